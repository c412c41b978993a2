#!/bin/sh
# gt's agent hook. An agent CLI's own hooks (Claude Code, Codex, Gemini CLI; OpenCode through gt's
# plugin) run this on each event; it writes
# the agent's heartbeat file, $GT_TOWN_ROOT/.runtime/heartbeats/$GT_SESSION.json, per gt's shared
# contract: {"timestamp", "state", "since", "event", "runtime", "reason"?, "error"?, "message"?}, atomically
# (temp file + rename). It is plain POSIX sh so a hook costs no Node start-up (it runs on every
# tool call), and it never fails the CLI: every problem ends in a silent exit 0.
#
#   agent-hook.sh <cli> <event> [payload]
#
# The event's JSON payload is read from stdin only for the events that need it (SessionStart,
# Notification, StopFailure); Codex's notify program passes it as the last argument instead.
# The event -> state table is documented in internal/agent/hooks/events.ts, which tests check
# against this script.

cli=$1
event=$2
town=$GT_TOWN_ROOT
session=$GT_SESSION
case $session in '' | *[!A-Za-z0-9_-]*) exit 0 ;; esac
case $town in /*) ;; *) exit 0 ;; esac
case $cli in claude | codex | gemini | opencode) ;; *) exit 0 ;; esac

state=
reason=
error=
message=
payload=
agentdir=$town/.runtime/agents/$session

# The value of string field $1 in $payload, made safe to print inside a JSON string: backslashes
# and quotes dropped (an escaped quote ends the value early), at most 300 characters.
field() {
  case $payload in
    *"\"$1\":\""*) v=${payload#*\"$1\":\"} ;;
    *"\"$1\": \""*) v=${payload#*\"$1\": \"} ;;
    *) v= ; return ;;
  esac
  v=${v%%\"*}
  while :; do
    case $v in *\\*) v=${v%%\\*}${v#*\\} ;; *) break ;; esac
  done
  while [ ${#v} -gt 300 ]; do v=${v%?}; done
}

# The CLI's conversation id, kept beside the heartbeat for restart.resume (and Codex's notify).
remember_session_id() {
  field "$1"
  case $v in '' | *[!A-Za-z0-9_-]*) return ;; esac
  [ -d "$agentdir" ] || mkdir -p "$agentdir" 2>/dev/null || return
  printf '%s\n' "$v" >"$agentdir/.session-id.$$" && mv -f "$agentdir/.session-id.$$" "$agentdir/session-id"
}

case $cli/$event in
  */SessionStart)
    state=idle
    payload=$(cat)
    remember_session_id session_id
    ;;
  */UserPromptSubmit | */PreToolUse | */PostToolUse | */SubagentStop | gemini/BeforeAgent | gemini/AfterTool)
    state=working
    ;;
  */Stop | gemini/AfterAgent)
    state=idle
    ;;
  gemini/Notification)
    payload=$(cat)
    field notification_type
    case $v in ToolPermission) state=blocked reason=permission ;; *) exit 0 ;; esac
    field message
    message=$v
    ;;
  opencode/Retry)
    # OpenCode retries a failed model request by itself; a usage limit waits for its reset.
    payload=$(cat)
    field message
    message=$v
    case $v in
      *[Uu]sage\ limit* | *[Uu]sage-limit*) state=blocked reason=usage-limit ;;
      *) state=working ;;
    esac
    ;;
  claude/StopFailure)
    payload=$(cat)
    field error
    case $v in '' | *[!a-z_]*) error=unknown ;; *) error=$v ;; esac
    field last_assistant_message
    message=$v
    case $error in
      rate_limit | billing_error) state=blocked reason=usage-limit ;;
      authentication_failed | oauth_org_not_allowed) state=blocked reason=login ;;
      *) state=idle ;;
    esac
    ;;
  claude/Notification)
    payload=$(cat)
    field notification_type
    case $v in
      permission_prompt) state=blocked reason=permission ;;
      elicitation_dialog) state=blocked reason=question ;;
      *) state=idle ;;
    esac
    field message
    message=$v
    ;;
  codex/PermissionRequest | opencode/PermissionRequest)
    state=blocked
    reason=permission
    ;;
  codex/notify)
    # Codex calls its notify program at the end of every turn of every thread, including the
    # side threads it starts itself (a title for the task). Only the agent's own thread, named by
    # its SessionStart hook, is the agent going idle.
    payload=$3
    case $payload in *'"agent-turn-complete"'*) ;; *) exit 0 ;; esac
    field thread-id
    tid=$v
    [ -n "$tid" ] && [ -r "$agentdir/session-id" ] || exit 0
    read -r sid <"$agentdir/session-id" || exit 0
    [ "$tid" = "$sid" ] || exit 0
    state=idle
    ;;
  *)
    exit 0
    ;;
esac

dir=$town/.runtime/heartbeats
[ -d "$dir" ] || mkdir -p "$dir" 2>/dev/null || exit 0
ts=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ 2>/dev/null)
case $ts in *N* | '') ts=$(date -u +%Y-%m-%dT%H:%M:%SZ) ;; esac
file=$dir/$session.json
# "since": when this state began. Kept from the previous report when the state is the same (the
# files this script writes are one line; a gt command's pretty-printed file starts a new span).
since=$ts
if [ -r "$file" ] && IFS= read -r prev <"$file"; then
  case $prev in
    *"\"state\":\"$state\""*"\"since\":\""*)
      p=${prev#*\"since\":\"}
      p=${p%%\"*}
      case $p in '' | *[!0-9TZ:.+-]*) ;; *) since=$p ;; esac
      ;;
  esac
fi
tmp=$dir/.$session.json.$$.hook.tmp
{
  printf '{"timestamp":"%s","state":"%s","since":"%s","event":"%s","runtime":"%s"' "$ts" "$state" "$since" "$event" "$cli"
  [ -z "$reason" ] || printf ',"reason":"%s"' "$reason"
  [ -z "$error" ] || printf ',"error":"%s"' "$error"
  [ -z "$message" ] || printf ',"message":"%s"' "$message"
  printf '}\n'
} >"$tmp" 2>/dev/null && mv -f "$tmp" "$file" 2>/dev/null || rm -f "$tmp" 2>/dev/null
exit 0
