// Generated from schema.json by tools/nx-plugin/scripts/schema-types.mjs: edit schema.json, then run it.

/**
 * Adds the plugin to a workspace: registers it in nx.json (inferred coverage, docker-build, load and migrate targets) and writes the deploy project (staging, production, rollback, status and the other release targets) with its environments, SLO analysis and services folder.
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
}
