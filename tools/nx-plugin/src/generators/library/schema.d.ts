export interface LibraryGeneratorSchema {
  name: string;
  language: 'python' | 'rust';
  dependent?: string;
  description: string;
  directory: string;
  skipInstall: boolean;
}
