// The labels and annotations the release engine puts on the objects it manages, in one module
// that imports nothing: manifests.ts and database.ts both use them, and config.ts uses database.ts.

export const COLOR_LABEL = 'trading.dev/color';
export const TRACK_LABEL = 'trading.dev/track';
export const ENVIRONMENT_LABEL = 'trading.dev/environment';
export const SWITCHED_AT = 'trading.dev/switched-at';
