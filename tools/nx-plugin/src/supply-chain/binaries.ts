import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `scripts/build-go-tools.sh supply-chain` put `name` (syft, oras): $TRADING_BIN, else
 * $TRADING_HOME/bin, else ~/.cache/trading-platform/bin, as scripts/lib.sh places them; else PATH.
 */
export function supplyChainBinary(name: 'syft' | 'oras', env: NodeJS.ProcessEnv = process.env): string {
  const home = env.TRADING_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trading-platform');
  for (const dir of [env.TRADING_BIN, join(home, 'bin')]) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not built there
    }
  }
  return name;
}
