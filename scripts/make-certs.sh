#!/usr/bin/env bash
# Makes a certificate authority for a kv cluster and a certificate for each of its nodes, for TLS
# links (README "Securing a cluster"). Needs the openssl command.
#
#   scripts/make-certs.sh DIR NODE...
#
# DIR gets ca.pem (give it to every node as --tls-ca) and ca-key.pem (keep it away from the
# nodes: it signs new members), and for each NODE a certificate NODE.pem and its key NODE-key.pem
# (--tls-cert, --tls-key). A NODE without '@' is taken as a short name on this host, as --sname
# takes it: foo becomes foo@$(hostname -s). A certificate names its node as the nodes check it:
# its subject common name is the full node name, and its subject alternative name the host (DNS or
# IP). An existing ca.pem in DIR is kept, so the script also adds nodes to a cluster.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 DIR NODE... (e.g. $0 certs foo bar baz@10.0.0.7)" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "$0: the openssl command is required" >&2; exit 1; }

dir=$1; shift
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -subj "/CN=kv cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "made $dir/ca.pem (and its key ca-key.pem)"
fi

for node in "$@"; do
  case $node in
    *@*) ;;
    *) node="$node@$(hostname -s)" ;;
  esac
  host=${node#*@}
  if [[ $host =~ ^[0-9]+(\.[0-9]+){3}$ || $host == *:* ]]; then san="IP:$host"; else san="DNS:$host"; fi
  extensions=$(mktemp)
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$san" > "$extensions"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout "$dir/$node-key.pem" -out "$dir/$node.csr" -subj "/CN=$node" 2>/dev/null
  openssl x509 -req -in "$dir/$node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
    -days 825 -sha256 -extfile "$extensions" -out "$dir/$node.pem" 2>/dev/null
  rm -f "$dir/$node.csr" "$extensions"
  chmod 644 "$dir/$node.pem"
  echo "made $dir/$node.pem and $dir/$node-key.pem"
done
chmod 644 "$dir/ca.pem"
