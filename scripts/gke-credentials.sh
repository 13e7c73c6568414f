#!/usr/bin/env bash
# After google-github-actions/auth (Workload Identity Federation): kubeconfig for the
# environment's GKE cluster and docker login to Artifact Registry; exports DEPLOY_CONTEXT for the
# deploy and rollback executors (to $GITHUB_ENV in Actions).
#   scripts/gke-credentials.sh <environment>     needs GCP_PROJECT, GKE_CLUSTER, GKE_LOCATION
# Only a registry the caller names is configured for Docker: lib.sh defaults DOCKER_REGISTRY to the
# local registry, which a rollback (no images) must not hand to gcloud.
registry="${DOCKER_REGISTRY:-}"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
environment="${1:-}"
case "$environment" in
  staging|production) ;;
  *) die "usage: $0 staging|production (got '${environment}')" ;;
esac
for var in GCP_PROJECT GKE_CLUSTER GKE_LOCATION; do
  [ -n "${!var:-}" ] || die "$var is not set: define it as a variable of the '$environment' GitHub environment"
done
command -v gcloud >/dev/null || die "gcloud is missing (the GitHub Ubuntu runners include it)"
if ! command -v gke-gcloud-auth-plugin >/dev/null; then
  step "Installing gke-gcloud-auth-plugin"
  sudo apt-get install -y -q google-cloud-cli-gke-gcloud-auth-plugin >/dev/null ||
    gcloud components install gke-gcloud-auth-plugin --quiet
fi
step "GKE credentials: $GKE_CLUSTER in $GKE_LOCATION ($GCP_PROJECT)"
gcloud container clusters get-credentials "$GKE_CLUSTER" --location "$GKE_LOCATION" --project "$GCP_PROJECT"
context="gke_${GCP_PROJECT}_${GKE_LOCATION}_${GKE_CLUSTER}"
if [ -n "$registry" ]; then
  gcloud auth configure-docker "${registry%%/*}" --quiet
fi
echo "DEPLOY_CONTEXT=$context"
if [ -n "${GITHUB_ENV:-}" ]; then echo "DEPLOY_CONTEXT=$context" >> "$GITHUB_ENV"; fi
