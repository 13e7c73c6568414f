import type { ColorState } from '../observed';

/** A colour's Deployment fully rolled out with `replicas` pods of `release` (for pure specs). */
export const colorState = (release: string, replicas = 2, image = `img-${release}`): ColorState => ({
  image,
  release,
  replicas,
  generation: 1,
  observedGeneration: 1,
  podReplicas: replicas,
  updatedReplicas: replicas,
  availableReplicas: replicas,
  readyEndpoints: 0,
});
