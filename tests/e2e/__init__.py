"""End-to-end tests: real clients (skopeo, podman, docker, kubectl...) and a registry."""
