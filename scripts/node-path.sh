# Source this (`. scripts/node-path.sh`): puts the Node that scripts/setup.sh installed into .tools/bin
# (when the system node is older than 22) first on PATH. Does nothing when there is none.
_caddie_tools="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)/.tools/bin"
if [ -x "$_caddie_tools/node" ]; then
  case ":$PATH:" in
    *":$_caddie_tools:"*) ;;
    *) export PATH="$_caddie_tools:$PATH" ;;
  esac
fi
unset _caddie_tools
