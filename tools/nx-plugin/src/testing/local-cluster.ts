// The local cluster's context for the cluster specs: the workspace's .env, which Nx loads into
// every task and jest.env.cjs into every test file.
export const LOCAL_CONTEXT = process.env.LOCAL_CLUSTER_CONTEXT as string;
