# bench/lib.sh: what bench/run.sh and bench/run-arm64.sh share (sourced by
# both): installing what is missing, the median, and the results table.
# The caller sets `me` (its name, for messages) and, for bench_table,
# `accels`, `workloads`, `runs`, `log`, the associative arrays `times`
# (microseconds of each run, space-separated, by "workload.accel") and
# `fails` (why a workload failed on a backend), and defines
# `insns_on WORKLOAD ACCEL` (the guest instructions of one run there).

# Installs the Debian packages among "$@" that are not installed yet.
bench_install() {
    local p missing="" sudo=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    echo "$me: installing:$missing" >&2
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# The median of the numbers on stdin (space- or newline-separated).
median() { tr ' ' '\n' | { grep . || true; } | sort -n | awk '{v[NR]=$1} END {if (!NR) print ""; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# The host line: "TITLE, date, CPU model, CPUs, kernel".
bench_host_line() {
    local model
    model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
    echo "$1, $(date -u '+%Y-%m-%d %H:%M UTC'), $model, $(nproc) CPUs, Linux $(uname -r)"
}

# The start-up line, one row per workload (seconds and MIPS per backend,
# each backend's ratio to tcg when tcg ran), the geometric means, and the
# failures of the workloads in "$1" (default: $workloads).  Sets status: 1
# if any workload failed on any backend, else 0.
bench_table() {
    local report=${1:-$workloads} a w m z n na net mp r g line has_tcg=""
    declare -A null_med
    declare -gA mips
    line="  start-up:"
    for a in $accels; do
        m=$(echo "${times[null.$a]:-}" | median)
        null_med[$a]=${m:-0}
        line="$line $a $(awk -v u="${m:-0}" 'BEGIN{printf "%.3f s", u/1e6}')"
    done
    echo "$line"
    [[ " $accels " == *" tcg "* ]] && has_tcg=1
    rw() { local w=$((${#1} + 4)); [ $w -lt 9 ] && w=9; echo $w; } # ratio column width
    printf '%-8s %7s' "" ""
    for a in $accels; do printf ' | %15s' "$a"; done
    [ -n "$has_tcg" ] && for a in $accels; do [ "$a" != tcg ] && printf ' | %*s' "$(rw "$a")" "$a/"; done
    echo
    printf '%-8s %7s' workload Minsn
    for a in $accels; do printf ' | %8s %6s' s MIPS; done
    [ -n "$has_tcg" ] && for a in $accels; do [ "$a" != tcg ] && printf ' | %*s' "$(rw "$a")" "tcg"; done
    echo
    status=0
    for w in $workloads; do
        n=$(insns_of "$w" "$(reps_of "$w")")
        printf '%-8s %7.0f' "$w" "$(awk -v n="$n" 'BEGIN{print n/1e6}')"
        for a in $accels; do
            if [ -n "${fails[$w.$a]:-}" ]; then
                printf ' | %15s' FAIL
                status=1
                continue
            fi
            m=$(echo "${times[$w.$a]}" | median)
            z=${null_med[$a]}
            net=$(awk -v m="$m" -v z="$z" 'BEGIN{print (m - z) / 1e6}')
            na=$(insns_on "$w" "$a")
            mp=$(awk -v n="$na" -v s="$net" 'BEGIN{if (s > 0) printf "%.0f", n / s / 1e6; else print "n/a"}')
            mips[$w.$a]=$mp
            printf ' | %8.3f %6s' "$net" "$mp"
        done
        if [ -n "$has_tcg" ]; then
            for a in $accels; do
                [ "$a" = tcg ] && continue
                r=$(awk -v x="${mips[$w.$a]:-n/a}" -v t="${mips[$w.tcg]:-n/a}" \
                    'BEGIN{if (x ~ /^[0-9]+$/ && t ~ /^[0-9]+$/ && t > 0) printf "%.2fx", x / t; else print "-"}')
                printf ' | %*s' "$(rw "$a")" "$r"
            done
        fi
        echo
    done
    # geometric means of MIPS over the workloads that passed on that backend
    printf '%-8s %7s' geomean ""
    for a in $accels; do
        g=$(for w in $workloads; do echo "${mips[$w.$a]:-}"; done | awk '/^[0-9]+$/ && $1 > 0 {s += log($1); k++} END {if (k) printf "%.0f (%d)", exp(s / k), k; else print "-"}')
        printf ' | %15s' "$g MIPS"
    done
    if [ -n "$has_tcg" ]; then
        for a in $accels; do
            [ "$a" = tcg ] && continue
            g=$(for w in $workloads; do echo "${mips[$w.$a]:-} ${mips[$w.tcg]:-}"; done |
                awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ && $1 > 0 && $2 > 0 {s += log($1 / $2); k++} END {if (k) printf "%.2fx", exp(s / k); else print "-"}')
            printf ' | %*s' "$(rw "$a")" "$g"
        done
    fi
    echo
    for w in $report; do
        for a in $accels; do
            if [ -n "${fails[$w.$a]:-}" ]; then
                echo "FAILED: $w on $a: ${fails[$w.$a]}"
                status=1
            fi
        done
    done
    echo "(per-run output: $log)"
}
