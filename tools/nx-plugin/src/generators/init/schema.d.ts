// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Adds the plugin to a workspace: registers it in nx.json (inferred coverage, docker-build, load and migrate targets) and writes the deploy project (staging, production, rollback, status and the other release targets) with its environments, SLO analysis and services folder; then the GitHub workflows and the pull request template.
 */
export interface InitGeneratorSchema {
  /**
   * Folder of the deploy project and its configuration (environments.yaml, analysis.yaml, services/).
   */
  deployDir?: string;
  /**
   * Kubernetes namespaces are <prefix>-staging and <prefix>-production.
   */
  namespacePrefix?: string;
  /**
   * Also write the GitHub workflows (.github/workflows/ci.yml: nx affected lint, test, coverage, build; deploy.yml: images, staging, then production behind its environment's approval, by Workload Identity Federation to GKE) and the pull request template. Files that exist are kept.
   */
  workflows?: boolean;
  /**
   * Registry path of the team's base images, written to nx.json as the service generator's default (see its baseImages). Empty: the public images.
   */
  baseImages?: string;
}
