# Sourced by the build/ scripts.
# free_ports N: prints N distinct TCP ports on 127.0.0.1 that nothing listens on, chosen at random
# below the kernel's ephemeral range. A port inside that range can be taken as the source port of
# an outgoing connection between this check and the bind (it happened in CI: the API server's
# connection to etcd took the API server's port). internal/loopback does the same for Go.
free_ports() {
  local n="$1" low p i count=0 found=" "
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  (( low > 11000 )) || low=32768
  for ((i = 0; count < n && i < 200 * n; i++)); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    [[ "$found" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then found+="$p "; count=$((count + 1)); fi
  done
  (( count == n )) || { echo "free_ports: found $count of $n free ports below $low" >&2; return 1; }
  echo $found
}
