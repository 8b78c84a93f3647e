#!/usr/bin/env bash
# The whole pipeline on this machine, with no AWS account: moto plays Amazon
# ECR and Debian's docker-registry plays the registry (htpasswd user AWS with
# the password moto hands out). Everything lives in a temp dir and on loopback,
# and is cleaned up on exit.   Run: tox -e demo   (or: bash benchmarks/demo.sh)
set -euo pipefail

for tool in ecrlogin python docker-registry skopeo htpasswd curl; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is not installed" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() {  # wait_for HOST:PORT NAME LOG
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/${1%:*}/${1#*:}") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "demo: $2 did not start:" >&2; cat "$3" >&2; exit 1
}
bold='' plain=''
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
show() {  # print a command as a user would type it, then run it
    printf '\n%s$ %s%s\n' "$bold" "$1" "$plain"
    bash -o pipefail -c "$1"
}

# An isolated AWS set-up: static test keys, no config files, moto as the endpoint.
mkdir -m 700 "$work/home" "$work/run"
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_CACHE_HOME="$work/home/.cache"
export AWS_ACCESS_KEY_ID=AKIADEMODEMODEMO1234 AWS_SECRET_ACCESS_KEY=demo/secret/access/key
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"

moto_port=$(free_port)
python -m moto.server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"

registry_port=$(free_port)
registry="127.0.0.1:$registry_port"
htpasswd -Bbc "$work/htpasswd" AWS 123456789012-auth-token 2>/dev/null
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/data}}
http: {addr: $registry}
auth: {htpasswd: {realm: ecrlogin-demo, path: $work/htpasswd}}
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)

wait_for "127.0.0.1:$moto_port" moto "$work/moto.log"
wait_for "$registry" docker-registry "$work/registry.log"
echo "A local ECR endpoint (moto) is at $AWS_ENDPOINT_URL and a registry at http://$registry."
echo "The registry accepts user AWS with the password ECR (here: moto) hands out."

# 1. The pipeline every CI step uses: the password goes through a pipe, never argv.
# With docker: the first docker CLI on PATH, into a dockerd of the demo's own (it needs
# root), with its data, socket and config in the temp dir: the machine's docker is untouched.
if command -v docker >/dev/null && command -v dockerd >/dev/null && [ "$(id -u)" = 0 ]; then
    echo '{}' >"$work/daemon.json"
    dockerd --config-file="$work/daemon.json" --data-root="$work/docker-data" \
        --exec-root="$work/docker-exec" --host="unix://$work/docker.sock" \
        --pidfile="$work/docker.pid" --iptables=false --ip-masq=false --bridge=none \
        --storage-driver=vfs >"$work/dockerd.log" 2>&1 &
    pids+=($!)
    export DOCKER_HOST="unix://$work/docker.sock" DOCKER_CONFIG="$work/docker-config"
    # One entry keeps the CLI on config.json; with none it would pick `pass` if installed.
    mkdir -m 700 "$DOCKER_CONFIG"
    echo '{"auths": {"unused.example.invalid": {}}}' >"$DOCKER_CONFIG/config.json"
    for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
    docker version >/dev/null 2>&1 || { echo "demo: dockerd did not start:" >&2; cat "$work/dockerd.log" >&2; exit 1; }
    echo "docker: $(command -v docker) ($(docker --version)), against the demo's own dockerd $(docker version --format '{{.Server.Version}}')."
    show "ecrlogin get-login-password | docker login --username AWS --password-stdin $registry"
    echo "hello from ecrlogin" >"$work/hello.txt"
    tar -C "$work" -cf "$work/hello.tar" hello.txt
    docker import "$work/hello.tar" "$registry/demo/hello:1" >/dev/null
    show "docker push $registry/demo/hello:1"
    docker rmi "$registry/demo/hello:1" >/dev/null
    show "docker pull $registry/demo/hello:1"
else
    echo "demo: docker part skipped: it starts a dockerd of its own, which needs root and docker.io (bash .ci/setup installs it)." >&2
fi
show "ecrlogin get-login-password | skopeo login --authfile $work/auth.json --username AWS --password-stdin --tls-verify=false $registry"

# 2. The ECR documentation's recipe for plain HTTP clients.
show "TOKEN=\$(ecrlogin get-authorization-token --output text --query 'authorizationData[].authorizationToken')
curl -s -o /dev/null -w 'GET /v2/ with the token: HTTP %{http_code}\n' -H \"Authorization: Basic \$TOKEN\" http://$registry/v2/
curl -s -o /dev/null -w 'GET /v2/ without it:    HTTP %{http_code}\n' http://$registry/v2/"

# 3. Legacy scripts: AWS CLI v1's get-login, with a warning on stderr (stdout is unchanged).
show "ecrlogin get-login --no-include-email"

# 4. A mistake says what is wrong and how to fix it, and exits 252 like the AWS CLI v2.
show "ecrlogin get-login-password --registry-id 12345 || echo \"(exit code \$?)\""

printf '\nAll done: no AWS account was used, and the temp dir %s is removed now.\n' "$work"
