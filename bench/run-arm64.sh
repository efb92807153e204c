#!/usr/bin/env bash
# bench/run-arm64.sh: the AArch64 guest workloads (bench/arm64/NAME.S) on
# squib's interpreter, QEMU TCG (qemu-system-aarch64 -M virt) and Unicorn, in
# one run.  See bench/README.md, "AArch64".
#
#   bench/run-arm64.sh [-n RUNS] [WORKLOAD...]   time each workload RUNS times
#                                   (default 3) per backend, print the medians
#   bench/run-arm64.sh --count      re-measure the instruction counts
#   bench/run-arm64.sh --callgrind NAME [REPS]   squib's interpreter under
#                                   callgrind on NAME with REPS repetitions (default 1)
#
# Environment: BENCH_ACCELS (default "interp tcg unicorn"), BENCH_TIMEOUT
# (seconds per run, default 600), BENCH_BUILD (squib's build, default
# build-bench, shared with run.sh; the ROMs and tools go to its arm64/),
# JOBS (build parallelism, default 2).  Exit status 0 when every workload
# gave the right result on every backend that ran it, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
me=run-arm64.sh
. "$root/bench/lib.sh"
src=$root/bench/arm64
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
    -*) echo "run-arm64.sh: unknown option $1 (--help)" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run-arm64.sh: -n wants a positive count" >&2; exit 2; }

all_workloads="alu copy copyoff sieve vm fib crc32"
workloads=${only[*]:-$all_workloads}
for w in $workloads; do
    [ -f "$src/$w.S" ] && [ "$w" != null ] || { echo "run-arm64.sh: no workload $w (have: $all_workloads)" >&2; exit 2; }
done

# ---- dependencies (as build.sh does) and the builds ----------------------------
pkgs="cmake make gcc pkg-config libfdt-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm libunicorn-dev"
[ "$mode" = callgrind ] && pkgs="$pkgs valgrind"
bench_install $pkgs

echo "run-arm64.sh: building squib (Release, -g) in $build/" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
    -DSQUIB_BUILD_TESTS=OFF -DSQUIB_BUILD_ROMS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-2}" --target squib >/dev/null
squib=$root/$build/squib
out=$root/$build/arm64
mkdir -p "$out"
rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+uncommitted')"
cc_flags=(-std=c17 -O2 -Wall -Wextra -Werror)
ref=$out/bench_ref
[ "$ref" -nt bench/x86/ref.c ] || gcc "${cc_flags[@]}" -o "$ref" bench/x86/ref.c
ucrun=$out/uc_run
[ "$ucrun" -nt "$src/uc_run.c" ] || gcc "${cc_flags[@]}" -o "$ucrun" "$src/uc_run.c" -lunicorn
load=0x40200000 # RAM base + 2 MiB: QEMU puts the DTB in RAM's first 1 MiB
qemu=qemu-system-aarch64
args=(-M virt -cpu cortex-a72 -m 256 -nodefaults -nographic)

reps_of() { sed -n 's/^#define REPS \([0-9][0-9]*\).*/\1/p' "$src/$1.S" | head -1; }

# rom NAME REPS: builds (when older than its sources) and prints the ROM of
# workload NAME with REPS repetitions, checked against bench_ref NAME REPS
rom() {
    local w=$1 r=$2 bin e
    if [ "$r" = "$(reps_of "$w")" ]; then bin=$out/arm64-$w.bin; else bin=$out/arm64-$w-r$r.bin; fi
    if [ ! -s "$bin" ] || [ -n "$(find "$src/$w.S" "$src"/*.inc bench/x86/ref.c -newer "$bin" 2>/dev/null)" ]; then
        e=$("$ref" "$w" "$r" | awk '{print $3}')
        aarch64-linux-gnu-gcc -nostdlib -nostartfiles -static -Wl,-Ttext=$load -Wl,--build-id=none \
            -I"$src" -DREPS="$r" -DEXPECT="$e" -o "$bin.elf" "$src/$w.S"
        aarch64-linux-gnu-objcopy -O binary "$bin.elf" "$bin"
    fi
    echo "$bin"
}

# ---- instruction counts -----------------------------------------------------------
# Each workload retires a + b * REPS instructions (every repetition takes the
# same path, and the result is printed without data-dependent branches).
# a and b come from Unicorn with a UC_HOOK_CODE counter (uc_run -c) at
# REPS = 1 and 2; kept in bench/arm64/icount.txt with a hash of the sources.
src_hash() { cat "$src/$1.S" "$src"/*.inc | sha256sum | cut -c1-16; }

measure_count() {
    local w=$1 c1 c2
    echo "run-arm64.sh: counting the instructions of $w (Unicorn UC_HOOK_CODE, REPS 1 and 2)" >&2
    c1=$("$ucrun" -c "$(rom "$w" 1)" 2>&1 >/dev/null | sed -n 's/^instructions //p')
    c2=$("$ucrun" -c "$(rom "$w" 2)" 2>&1 >/dev/null | sed -n 's/^instructions //p')
    [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" -gt 0 ] && [ "$c2" -gt "$c1" ] ||
        { echo "run-arm64.sh: counting $w failed ($c1, $c2)" >&2; exit 1; }
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
    { echo "# name source-hash a b: instructions = a + b * REPS (bench/run-arm64.sh --count)"; grep -v '^#' "$counts"; } >"$counts.tmp"
    mv "$counts.tmp" "$counts"
    cat "$counts"
    exit 0
fi

# ---- callgrind --------------------------------------------------------------------
if [ "$mode" = callgrind ]; then
    w=$cg_name
    [ -f "$src/$w.S" ] || { echo "run-arm64.sh: no workload $w" >&2; exit 2; }
    r=$(rom "$w" "$cg_reps")
    n=$(insns_of "$w" "$cg_reps")
    cgout=$build/callgrind.arm64-$w.r$cg_reps.out
    set +e
    res=$(valgrind --tool=callgrind --callgrind-out-file="$cgout" "$squib" "${args[@]}" \
        -device loader,file="$r",addr=$load,cpu-num=0 2>"$build/callgrind.arm64-$w.log" </dev/null)
    st=$?
    set -e
    echo "$res"
    if [ "$st" != 0 ] || ! echo "$res" | grep -q "^$w result=" || echo "$res" | grep -q MISMATCH; then
        echo "run-arm64.sh: $w under callgrind failed (status $st)"
        grep -v '^==' "$build/callgrind.arm64-$w.log" | tail -3
        exit 1
    fi
    ir=$(sed -n 's/^summary: *//p' "$cgout" | awk '{print $1}')
    valgrind --tool=callgrind --callgrind-out-file="$build/callgrind.arm64-null.out" "$squib" "${args[@]}" \
        -device loader,file="$(rom null 1)",addr=$load,cpu-num=0 >/dev/null 2>&1 </dev/null || true
    ir0=$(sed -n 's/^summary: *//p' "$build/callgrind.arm64-null.out" | awk '{print $1}')
    echo "callgrind: $w REPS=$cg_reps: $ir host instructions ($ir0 of them start-up, the null" \
        "workload's) for $n guest instructions:" \
        "$(awk -v a="$ir" -v z="$ir0" -v b="$n" 'BEGIN{printf "%.1f", (a - z) / b}') per guest instruction"
    callgrind_annotate "$cgout" 2>/dev/null | head -40
    echo "profile: $cgout (callgrind_annotate / kcachegrind)"
    exit 0
fi

# ---- timing -----------------------------------------------------------------------
accels=${BENCH_ACCELS:-interp tcg unicorn}
for a in $accels; do
    case $a in interp | tcg | unicorn) ;; *) echo "run-arm64.sh: unknown backend $a (interp tcg unicorn)" >&2; exit 2 ;; esac
done
tmo=${BENCH_TIMEOUT:-600}
log=$build/bench-arm64.log
: >"$log"
declare -A times fails

run_one() { # accel rom: sets run_us (wall time in microseconds), run_st, run_out
    local accel=$1 r=$2 t0 t1 cmd
    case $accel in
    interp) cmd=("$squib" -accel interp "${args[@]}" -device loader,file="$r",addr=$load,cpu-num=0) ;;
    tcg) cmd=("$qemu" -accel tcg "${args[@]}" -serial stdio -device loader,file="$r",addr=$load,cpu-num=0) ;;
    unicorn) cmd=("$ucrun" "$r" $load) ;;
    esac
    t0=$(date +%s%N)
    set +e
    run_out=$(timeout "$tmo" "${cmd[@]}" 2>&1 </dev/null)
    run_st=$?
    set -e
    t1=$(date +%s%N)
    run_us=$(((t1 - t0) / 1000))
    printf '%s %s: status %s, %d us\n%s\n' "$accel" "$r" "$run_st" "$run_us" "$run_out" >>"$log"
}


for w in $workloads; do insns_of "$w" 1 >/dev/null; done # measure missing counts first
echo "run-arm64.sh: $runs run(s) of each workload on: $accels (one at a time)" >&2
for w in null $workloads; do
    r=$(rom "$w" "$(reps_of "$w")")
    for a in $accels; do times[$w.$a]=""; done
    for ((i = 1; i <= runs; i++)); do
        for a in $accels; do
            [ -n "${fails[$w.$a]:-}" ] && continue
            run_one "$a" "$r"
            if [ "$run_st" != 0 ] || ! echo "$run_out" | grep -q "^$w result=0x[0-9a-f]*\$"; then
                if echo "$run_out" | grep -q MISMATCH; then
                    fails[$w.$a]="wrong result: $(echo "$run_out" | grep -m1 'result=')"
                elif [ "$run_st" = 124 ]; then
                    fails[$w.$a]="timeout after ${tmo}s"
                else
                    msg=$(echo "$run_out" | grep -m1 -i -E 'internal-error|not implemented|error|exception|unmapped' || true)
                    [ -n "$msg" ] || msg=$(echo "$run_out" | grep -m1 -v '^$' || true)
                    fails[$w.$a]="exit status $run_st: $(echo "$msg" | cut -c1-200)"
                fi
                echo "run-arm64.sh: $w on $a FAILED: ${fails[$w.$a]}" >&2
                continue
            fi
            times[$w.$a]="${times[$w.$a]} $run_us"
            printf 'run-arm64.sh: %-8s %-7s run %d: %.3f s\n' "$w" "$a" "$i" "$(echo "$run_us" | awk '{print $1/1e6}')" >&2
        done
    done
done

# ---- the table (bench/lib.sh) ---------------------------------------------------
echo
bench_host_line "squib arm64 bench"
echo "squib $rev (as built), $($qemu --version | head -1), Unicorn $(dpkg-query -W -f='${Version}' libunicorn-dev 2>/dev/null || echo '?')"
echo "median of $runs run(s); seconds = wall time minus the null workload's (start-up);"
insns_on() { insns_of "$1" "$(reps_of "$1")"; }
bench_table "null $workloads"
exit $status
