#!/usr/bin/env bash
# bench/run.sh: the x86 guest workloads on squib's interpreter, QEMU TCG and
# squib's KVM backend, in one run.  See bench/README.md.
#
#   bench/run.sh [-n RUNS] [WORKLOAD...]   time each workload RUNS times (default 3)
#                                          per backend, print the medians
#   bench/run.sh --count                   re-measure the instruction counts
#   bench/run.sh --callgrind NAME [REPS]   the interpreter under callgrind on NAME
#                                          with REPS repetitions (default 1)
#
# Environment: BENCH_ACCELS (default "interp tcg kvm"), BENCH_TIMEOUT
# (seconds per run, default 600), BENCH_KVM_SCALE (KVM runs this many times
# the repetitions, default 10), BENCH_BUILD (default build-bench), JOBS
# (build parallelism, default 2).  Exit status 0 when every workload gave
# the right result on every backend that ran it, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
me=run.sh
. "$root/bench/lib.sh"
src=$root/bench/x86
counts=$src/icount.txt
build=${BENCH_BUILD:-build-bench}
runs=3
mode=bench
cg_name=""
cg_reps=1
only=()
while [ $# -gt 0 ]; do
    case "$1" in
    -n) runs=$2; shift 2 ;;
    --count) mode=count; shift ;;
    --callgrind) mode=callgrind; cg_name=${2:?--callgrind needs a workload name}; shift 2
        if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then cg_reps=$1; shift; fi ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -n wants a positive count" >&2; exit 2; }

all_workloads="alu copy copyoff sieve vm fib crc32"
workloads=${only[*]:-$all_workloads}
for w in $workloads; do
    [ -f "$src/$w.asm" ] && [ "$w" != null ] || { echo "run.sh: no workload $w (have: $all_workloads)" >&2; exit 2; }
done

# ---- dependencies (as build.sh does) and the Release build ------------------
pkgs="cmake make gcc pkg-config libfdt-dev nasm qemu-system-x86"
[ "$mode" = callgrind ] && pkgs="$pkgs valgrind"
bench_install $pkgs

echo "run.sh: building squib (Release, -g) in $build/" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
    -DSQUIB_BUILD_TESTS=OFF -DSQUIB_BUILD_ROMS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target squib squib_static >/dev/null
if grep -q '^ *add_subdirectory(bench)' CMakeLists.txt; then
    roms=$build/bench
    cmake --build "$build" -j "${JOBS:-2}" --target bench_roms bench_direct >/dev/null
else # bench/ not in the project yet: build it on its own
    roms=$build/bench-only
    cmake -S bench -B "$roms" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
        -DSQUIB_BUILD_DIR="$root/$build" >/dev/null
    cmake --build "$roms" -j "${JOBS:-2}" >/dev/null
fi
squib=$root/$build/squib
rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+uncommitted')"
ref=$roms/bench_ref
qemu=qemu-system-x86_64
args=(-M pc -m 128M -nodefaults -display none -device isa-debug-exit,iobase=0xf4,iosize=4)

reps_of() { sed -n 's/^%define REPS \([0-9][0-9]*\).*/\1/p' "$src/$1.asm" | head -1; }

# a ROM of workload $1 with REPS = $2 (for counting and profiling)
variant() {
    local out=$roms/x86-$1-r$2.bin e
    e=$("$ref" "$1" "$2" | awk '{print $3}')
    nasm -f bin -I"$src/" -DREPS="$2" -DEXPECT="$e" -o "$out" "$src/$1.asm"
    echo "$out"
}

# ---- instruction counts -------------------------------------------------------
# Each workload retires a + b * REPS instructions (every repetition takes the
# same path).  a and b come from two runs of QEMU TCG with one instruction per
# translation block and chaining off, which logs one "Trace" line per
# instruction executed: REPS = 1 gives a + b, REPS = 2 gives a + 2b.  The
# figures are kept in bench/x86/icount.txt with a hash of the sources, and
# measured again when the sources change.
src_hash() { cat "$src/$1.asm" "$src"/*.inc | sha256sum | cut -c1-16; }

trace_count() {
    $qemu -accel tcg -singlestep -d nochain,exec -D /dev/stderr -bios "$1" "${args[@]}" \
        -debugcon file:/dev/null 2>&1 >/dev/null | grep -c '^Trace' || true
}

measure_count() {
    local w=$1 c1 c2
    echo "run.sh: counting the instructions of $w (QEMU single-step trace, REPS 1 and 2)" >&2
    c1=$(trace_count "$(variant "$w" 1)")
    c2=$(trace_count "$(variant "$w" 2)")
    [ "$c1" -gt 0 ] && [ "$c2" -gt "$c1" ] || { echo "run.sh: counting $w failed ($c1, $c2)" >&2; exit 1; }
    local b=$((c2 - c1)) a=$((2 * c1 - c2))
    touch "$counts"
    grep -v "^$w " "$counts" >"$counts.tmp" || true
    echo "$w $(src_hash "$w") $a $b" >>"$counts.tmp"
    sort "$counts.tmp" >"$counts"
    rm -f "$counts.tmp"
}

insns_of() { # total instructions of workload $1 at REPS $2
    local line
    line=$(grep "^$1 $(src_hash "$1") " "$counts" 2>/dev/null || true)
    [ -n "$line" ] || { measure_count "$1"; line=$(grep "^$1 " "$counts"); }
    set -- $line "$2"
    echo $(($3 + $4 * $5))
}

if [ "$mode" = count ]; then
    for w in $workloads; do measure_count "$w"; done
    { echo "# name source-hash a b: instructions = a + b * REPS (bench/run.sh --count)"; grep -v '^#' "$counts"; } >"$counts.tmp"
    mv "$counts.tmp" "$counts"
    cat "$counts"
    exit 0
fi

# ---- callgrind ------------------------------------------------------------------
if [ "$mode" = callgrind ]; then
    w=$cg_name
    [ -f "$src/$w.asm" ] || { echo "run.sh: no workload $w" >&2; exit 2; }
    rom=$(variant "$w" "$cg_reps")
    n=$(insns_of "$w" "$cg_reps")
    out=$build/callgrind.$w.r$cg_reps.out
    set +e
    valgrind --tool=callgrind --callgrind-out-file="$out" "$squib" -accel interp -bios "$rom" \
        "${args[@]}" -debugcon stdio 2>"$build/callgrind.$w.log"
    st=$?
    set -e
    [ "$st" = 33 ] || { echo "run.sh: $w under callgrind ended with status $st"; grep -v '^==' "$build/callgrind.$w.log" | tail -3; exit 1; }
    ir=$(sed -n 's/^summary: *//p' "$out" | awk '{print $1}')
    # the start-up (process, board, the frame's ~18,000 instructions): null's count
    valgrind --tool=callgrind --callgrind-out-file="$build/callgrind.null.out" "$squib" -accel interp \
        -bios "$roms/x86-null.bin" "${args[@]}" -debugcon none 2>/dev/null || true
    ir0=$(sed -n 's/^summary: *//p' "$build/callgrind.null.out" | awk '{print $1}')
    echo "callgrind: $w REPS=$cg_reps: $ir host instructions ($ir0 of them start-up, the null" \
        "workload's) for $n guest instructions:" \
        "$(awk -v a="$ir" -v z="$ir0" -v b="$n" 'BEGIN{printf "%.1f", (a - z) / b}') per guest instruction"
    callgrind_annotate "$out" 2>/dev/null | head -40
    echo "profile: $out (callgrind_annotate / kcachegrind)"
    exit 0
fi

# ---- timing ---------------------------------------------------------------------
accels=${BENCH_ACCELS:-interp tcg kvm}
tmo=${BENCH_TIMEOUT:-600}
kvm_scale=${BENCH_KVM_SCALE:-10}
log=$build/bench.log
: >"$log"
declare -A times fails

run_one() { # accel rom: sets run_us (wall time in microseconds), run_st, run_out
    local accel=$1 rom=$2 t0 t1 cmd
    case $accel in
    interp) cmd=("$squib" -accel interp) ;;
    kvm) cmd=("$squib" -accel kvm) ;;
    tcg) cmd=("$qemu" -accel tcg) ;;
    interp-direct) cmd=("$roms/bench_direct" interp "$rom") ;;
    kvm-direct) cmd=("$roms/bench_direct" kvm "$rom") ;;
    esac
    [[ $accel == *-direct ]] || cmd+=(-bios "$rom" "${args[@]}" -debugcon stdio)
    t0=$(date +%s%N)
    set +e
    run_out=$(timeout "$tmo" "${cmd[@]}" 2>&1)
    run_st=$?
    set -e
    t1=$(date +%s%N)
    run_us=$(((t1 - t0) / 1000))
    printf '%s %s: status %s, %d us\n%s\n' "$accel" "$rom" "$run_st" "$run_us" "$run_out" >>"$log"
}


for w in $workloads; do insns_of "$w" 1 >/dev/null; done # measure missing counts first
echo "run.sh: $runs run(s) of each workload on: $accels (one at a time)" >&2
declare -A reps_on
for w in null $workloads; do
    for a in $accels; do
        times[$w.$a]=""
        reps_on[$w.$a]=$(reps_of "$w")
        # KVM runs these ~1e9-instruction workloads in 0.03-0.4 s, close to its
        # start-up time: give it kvm_scale times the repetitions (the count is
        # a + b * REPS, so its MIPS stay exact)
        [[ $a == kvm* ]] && [ "$w" != null ] && reps_on[$w.$a]=$(($(reps_of "$w") * kvm_scale))
    done
    for ((i = 1; i <= runs; i++)); do
        for a in $accels; do
            [ -n "${fails[$w.$a]:-}" ] && continue
            if [ "${reps_on[$w.$a]}" = "$(reps_of "$w")" ]; then
                rom=$roms/x86-$w.bin
            else
                rom=$(variant "$w" "${reps_on[$w.$a]}")
            fi
            run_one "$a" "$rom"
            if [ "$run_st" != 33 ]; then
                case $run_st in
                35) fails[$w.$a]="wrong result: $(echo "$run_out" | grep -m1 'result=')" ;;
                124) fails[$w.$a]="timeout after ${tmo}s" ;;
                *) fails[$w.$a]="exit status $run_st: $(echo "$run_out" | grep -m1 -v '^$' | cut -c1-200)" ;;
                esac
                echo "run.sh: $w on $a FAILED: ${fails[$w.$a]}" >&2
                continue
            fi
            us=$run_us
            times[$w.$a]="${times[$w.$a]} $us"
            printf 'run.sh: %-8s %-6s run %d: %.3f s\n' "$w" "$a" "$i" "$(echo "$us" | awk '{print $1/1e6}')" >&2
        done
    done
done

# ---- the table (bench/lib.sh) ---------------------------------------------------
echo
bench_host_line "squib bench"
echo "squib $rev (as built), $($qemu --version | head -1)"
echo "median of $runs run(s); seconds = wall time minus the null workload's (start-up);"
[[ " $accels " == *" kvm"* ]] && echo "kvm and kvm-direct run ${kvm_scale}x the repetitions (their seconds are for ${kvm_scale}x Minsn)"
insns_on() { insns_of "$1" "${reps_on[$1.$2]}"; }
bench_table
exit $status
