#!/usr/bin/env bash
# After google-github-actions/auth (Workload Identity Federation) and
# google-github-actions/get-gke-credentials (a kubeconfig whose user carries a short-lived access
# token, in $KUBECONFIG): checks that the environment's GKE context is there, logs Docker in to
# Artifact Registry, and exports DEPLOY_CONTEXT for the deploy and rollback executors (to
# $GITHUB_ENV in Actions).
#   scripts/gke-credentials.sh <environment>     needs GCP_PROJECT, GKE_CLUSTER, GKE_LOCATION
# Nothing is installed: GitHub's ubuntu-24.04 runner has gcloud (from apt, its component manager
# disabled, Google's apt source removed after the install) and kubectl, but no
# gke-gcloud-auth-plugin, which get-gke-credentials' token makes unnecessary.
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
context="gke_${GCP_PROJECT}_${GKE_LOCATION}_${GKE_CLUSTER}"
step "GKE context $context ($environment)"
kubectl config get-contexts "$context" >/dev/null 2>&1 ||
  die "no kubeconfig context $context (KUBECONFIG=${KUBECONFIG:-unset}): run google-github-actions/get-gke-credentials before this step, with cluster_name, location and project_id from the '$environment' environment's variables"
if [ -n "$registry" ]; then
  command -v gcloud >/dev/null || die "gcloud is missing (GitHub's ubuntu-24.04 runner includes it): needed to log Docker in to ${registry%%/*}"
  gcloud auth configure-docker "${registry%%/*}" --quiet
fi
echo "DEPLOY_CONTEXT=$context"
if [ -n "${GITHUB_ENV:-}" ]; then echo "DEPLOY_CONTEXT=$context" >> "$GITHUB_ENV"; fi
