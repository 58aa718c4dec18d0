#!/bin/sh
# Run once per install by the `keygen` service: make the SSH key pair the controller uses to
# reach the targets, and a small certificate authority for the releases.example.com stand-in.
# The private parts live in the `keys` volume (lab only), the public ones in `trust` (targets); nothing is ever baked into an image or committed.
set -eu
dir=${1:-/keys}      # private: the controller's key, the server certificate
trust=${2:-/trust}   # public: what the targets trust
owner=${KEY_OWNER:-1000:1000}  # who reads the private key: jovyan, or the hub's learner (uid:gid)
umask 022
chmod 0755 "$dir" "$trust"
if [ ! -s "$dir/id_ed25519" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "asynclab-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')" -f "$dir/id_ed25519"
  echo "keygen: new SSH key pair for this install"
fi
cp "$dir/id_ed25519.pub" "$trust/authorized_keys"
chown "$owner" "$dir/id_ed25519" "$dir/id_ed25519.pub"
chmod 0600 "$dir/id_ed25519"
chown 0:0 "$trust/authorized_keys"
chmod 0644 "$trust/authorized_keys" "$dir/id_ed25519.pub"

if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/releases.crt" ]; then
  tmp=$(mktemp -d)
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=asynclab local CA" \
    -keyout "$tmp/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=releases.example.com" \
    -keyout "$dir/releases.key" -out "$tmp/releases.csr" 2>/dev/null
  printf 'subjectAltName=DNS:releases.example.com,DNS:releases\n' > "$tmp/ext"
  openssl x509 -req -in "$tmp/releases.csr" -CA "$dir/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
    -days 3650 -extfile "$tmp/ext" -out "$dir/releases.crt" 2>/dev/null
  rm -rf "$tmp"   # the CA key is thrown away: nothing else can ever be signed with it
  chmod 0644 "$dir/ca.crt" "$dir/releases.crt"
  chmod 0600 "$dir/releases.key"
  echo "keygen: new certificate for releases.example.com"
fi
cp "$dir/ca.crt" "$trust/ca.crt"
chmod 0644 "$trust/ca.crt"
echo "keygen: keys ready"
