/** What `docker buildx inspect` says about the current builder. */
export interface BuildxBuilder {
  name: string;
  driver: string;
  running: boolean;
}

export function parseBuildxInspect(output: string): BuildxBuilder | undefined {
  const field = (key: string) => new RegExp(`^${key}:\\s*(.+)$`, 'm').exec(output)?.[1].trim();
  const name = field('Name');
  const driver = field('Driver');
  if (!name || !driver) return undefined;
  return { name, driver, running: field('Status') === 'running' };
}

/**
 * Whether BuildKit through buildx can build here with what docker-build asks of it: a running
 * builder whose driver is not "docker" (that one is the engine's embedded BuildKit, which on
 * Docker 20.10 is v0.8 and exports no registry cache).
 */
export function usableForBuildKit(builder: BuildxBuilder | undefined): boolean {
  return !!builder && builder.running && builder.driver !== 'docker';
}
