#!/bin/sh
# A tiny stand-in for Claude Code, for the benchmarks. It speaks cco's hook protocol exactly as
# the hooks cco installs in Claude Code do (one JSON line per hook event appended to
# $CCO_EVENTS_FILE), keeps a transcript and a status file like the real CLI, and costs next to
# nothing: shell builtins only (plus `sleep` when told to wait), no interpreter per event.
#
# Called like claude (cco's instances.claude_path points here):
#   agent.sh [--permission-mode M] [--settings JSON] [--session-id ID | --resume ID] [-- PROMPT]
# Directives in the prompt, space-separated:
#   file=NAME   write NAME in the working directory during the turn (a Write tool call)
#   work=S      work S seconds before the turn ends
#   period=S    after the first turn, one hook line every S seconds, forever: a cycle of
#               working (UserPromptSubmit, PreToolUse, PostToolUse), waiting_input
#               (PermissionRequest), working again (PreToolUse, PostToolUse) and idle (Stop)
#   phase=S     wait S seconds before that cycle starts (spreads the agents out)
# Then it reads its terminal: `/exit` ends it (SessionEnd), any other line is a new prompt.

sid=""
source="startup"
prompt=""
while [ $# -gt 0 ]; do
    case "$1" in
        --session-id) sid=$2; shift 2 ;;
        --resume) sid=$2; source="resume"; shift 2 ;;
        --permission-mode | --settings | --model) shift 2 ;;
        --) prompt=${2-}; break ;;
        *) shift ;;
    esac
done
events=${CCO_EVENTS_FILE:-/dev/null}
folder=$(dirname "$events")
transcript="$folder/transcript.jsonl"
status_file=${CCO_STATUS_FILE:-/dev/null}
turns=0

ev() { # ev HOOK_NAME [extra JSON members, starting with a comma]
    printf '{"cco_ts":"1700000000.000000000","event":{"session_id":"%s","transcript_path":"%s","cwd":"%s","hook_event_name":"%s"%s}}\n' \
        "$sid" "$transcript" "$PWD" "$1" "${2-}" >>"$events"
}

end_turn() {
    turns=$((turns + 1))
    printf '{"type":"assistant","message":{"id":"msg_%s_%s","usage":{"input_tokens":100,"output_tokens":20}}}\n' \
        "$sid" "$turns" >>"$transcript"
    printf '{"cost":{"total_cost_usd":%s.01}}\n' "$turns" >"$status_file"
    ev Stop ',"stop_hook_active":false'
}

turn() { # turn PROMPT
    file=""
    work=""
    for word in $1; do
        case "$word" in
            file=*) file=${word#file=} ;;
            work=*) work=${word#work=} ;;
        esac
    done
    case "$1" in
        *[!A-Za-z0-9=._:\ -]*) text="(prompt)" ;;
        *) text=$1 ;;
    esac
    ev UserPromptSubmit ",\"prompt\":\"$text\""
    if [ -n "$file" ]; then
        ev PreToolUse ',"tool_name":"Write"'
        printf 'written by %s\n' "${CCO_INSTANCE_ID-agent}" >"$file"
        ev PostToolUse ',"tool_name":"Write"'
    fi
    if [ -n "$work" ]; then
        sleep "$work"
    fi
    end_turn
}

cycle() { # cycle PERIOD PHASE
    [ -n "$2" ] && sleep "$2"
    while :; do
        sleep "$1"; ev UserPromptSubmit ',"prompt":"next step"'
        sleep "$1"; ev PreToolUse ',"tool_name":"Bash"'
        sleep "$1"; ev PostToolUse ',"tool_name":"Bash"'
        sleep "$1"; ev PermissionRequest ',"tool_name":"Edit"'
        sleep "$1"; ev PreToolUse ',"tool_name":"Edit"'
        sleep "$1"; ev PostToolUse ',"tool_name":"Edit"'
        sleep "$1"; end_turn
    done
}

ev SessionStart ",\"source\":\"$source\""
period=""
phase=""
if [ -n "$prompt" ]; then
    for word in $prompt; do
        case "$word" in
            period=*) period=${word#period=} ;;
            phase=*) phase=${word#phase=} ;;
        esac
    done
    turn "$prompt"
fi
background=""
if [ -n "$period" ]; then
    cycle "$period" "$phase" &
    background=$!
fi
while IFS= read -r line; do
    case "$line" in
        */exit* | */quit*) break ;;
        "") ;;
        *) turn "$line" ;;
    esac
done
[ -n "$background" ] && kill "$background" 2>/dev/null
ev SessionEnd ',"reason":"prompt_input_exit"'
exit 0
