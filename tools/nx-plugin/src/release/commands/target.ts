import { join } from 'node:path';
import { DeployConfigError, type EnvironmentConfig, loadEnvironment, loadServices, type ServiceConfig } from '../config/config';

/** Where a release command acts: the environment's config, the services it names, the cluster context. */
export interface Target {
  configDir: string;
  env: EnvironmentConfig;
  services: ServiceConfig[];
  /**
   * --context, else DEPLOY_CONTEXT (the workflows' credentials step sets it), else the environment's
   * own. An environment without one (production: a remote cluster) is never given a local default.
   */
  context: string;
}

export interface TargetOptions {
  configDir: string;
  environment: string;
  /** Only these services (unknown names are refused); every service of the environment without. */
  services?: string[];
  context?: string;
}

/** One rule for every command: an unknown environment or service fails here, before any cluster call. */
export function resolveTarget(workspaceRoot: string, options: TargetOptions, processEnv: NodeJS.ProcessEnv): Target {
  const configDir = join(workspaceRoot, options.configDir);
  const env = loadEnvironment(configDir, options.environment);
  const services = loadServices(configDir, options.environment, options.services);
  const context = options.context || processEnv.DEPLOY_CONTEXT || env.context;
  if (!context)
    throw new DeployConfigError(
      `${options.environment} names no kubeconfig context, and none is given: set DEPLOY_CONTEXT (in the workflows scripts/gke-credentials.sh sets it to the GKE context get-gke-credentials wrote) or pass --context=<context>; nothing was touched`,
    );
  return { configDir, env, services, context };
}
