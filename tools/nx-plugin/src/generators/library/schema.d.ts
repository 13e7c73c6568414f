export interface LibraryGeneratorSchema {
  name: string;
  language: 'python' | 'rust' | 'typescript';
  dependent?: string;
  description: string;
  directory: string;
  skipInstall: boolean;
}
