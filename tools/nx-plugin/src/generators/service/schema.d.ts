export interface ServiceGeneratorSchema {
  name: string;
  language: 'python' | 'rust' | 'nextjs';
  port: number;
  description: string;
  directory: string;
  skipInstall: boolean;
}
