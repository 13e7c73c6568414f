// Releases the cluster and Prometheus locks the global setup took (jest.global-setup.cjs).
module.exports = async () => {
  globalThis.__clusterLocks?.stdin.end();
};
