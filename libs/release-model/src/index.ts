// The release model: what the deploy engine records of each service's releases in the cluster
// (Services' selectors and phase annotations, the colours' Deployments, the release history
// ConfigMap, the deploy lease), read and interpreted in one place for `deploy:status`, the deploy
// engine itself and the dashboard's Deployments page.
export * from './names';
export * from './phase';
export * from './history';
export * from './delivery';
export * from './observed';
export * from './status';
export * from './exposition';
export * from './analysis';
export * from './client-reader';
export * from './incident';
