export interface ReleaseDecisionExecutorOptions {
  decision: 'abort' | 'promote';
  environment: string;
  services?: string[];
  all: boolean;
  reason: string;
  context?: string;
  configDir: string;
}
