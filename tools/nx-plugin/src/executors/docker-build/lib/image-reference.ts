/** An image reference by digest (repository@sha256:…), the only kind a deploy or a Job runs. */
export const BY_DIGEST = /@sha256:[0-9a-f]{64}$/;
