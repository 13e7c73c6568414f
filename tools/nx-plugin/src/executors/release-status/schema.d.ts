export interface ReleaseStatusExecutorOptions {
  environment: string;
  services?: string[];
  context?: string;
  configDir: string;
  json: boolean;
}
