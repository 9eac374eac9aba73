"""Benchmark: JIT-compiled code against the same programs compiled ahead of time.

Each program of tests/bench/ is a QBE IL file NAME.ssa exporting
`l $bench_NAME(l %n)` and a C twin NAME.c defining `long c_NAME(long n)`
that computes the same result; a line `# bench n=N quick=M` in the IL
gives the benchmark and the test problem sizes.  Four variants run:

    aot_gcc   the C twin compiled by gcc -O2 (the strongest AOT baseline)
    aot_qbe   the IL compiled by stock QBE (-t amd64_sysv) and GNU as at
              build time, its symbols renamed q_... so it links beside the
              rest; isolates the JIT's own overhead from QBE's code quality
    jit_off   the IL text compiled at run time by our JIT with our IL
              passes off (jit_set_passes("none"): plain QBE), the 'before'
    jit_on    the same with our passes on (the image's [features]
              jit_passes in the kernel, "all" on the host), the 'after'

`generate()` writes the table bench_progs[] (jit/bench.h: IL text, lines,
sizes, both AOT entry points) and QBE's assembly.  Images with
[features] bench = true link them into the kernel, where KTEST(bench)
times the variants with the TSC; the host twin build/host/jitbench runs
the same table natively.  Both print "# bench ..." lines (format in
jit/bench.h) that parse_lines() reads.

`doit bench` (run_benchmark) adds boot time and build times, prints a
table, and writes build/bench.json and the chart build/bench.svg.
Timing is reported, never judged; a disagreement between variants is an
error.

build/bench.json:

    environment   {accel, cpu, cpus, guest_cpu, kernel, python, gcc, qemu,
                   qbe, aot_gcc_flags, image, emulated, why_not_kvm}
    kernel, host  one run each (summarize()):
      tsc_hz        TSC frequency the cycles convert with (0: unknown)
      passes_on     the passes of jit_on ("tre,inline,ext,thread,cmp,sink,licm,iv": all)
      programs      {NAME: {
          n, il_lines, result, jit_failed,
          aot_gcc_cycles, aot_qbe_cycles, jit_off_cycles, jit_on_cycles,
          compile_off_cycles, compile_on_cycles      best runs, TSC cycles
          jit_off_vs_aot_gcc, jit_on_vs_aot_gcc,     time ratios, null when
          jit_off_vs_aot_qbe, jit_on_vs_aot_qbe,     the JIT failed
          jit_on_vs_jit_off, aot_qbe_vs_aot_gcc,
          and when tsc_hz is known:
          aot_gcc_ms, aot_qbe_ms, jit_off_ms, jit_on_ms,
          compile_off_us, compile_on_us,
          il_lines_per_s_off, il_lines_per_s_on}}
      geomean       {RATIO: geometric mean over the programs} for each ratio
      disagreements ["name(n): ... # results"]: empty when all agreed
    boot          qemu_start_to_first_ktap_line_s, qemu_run_s, tsc_hz and
                  the kernel's TSC stamps (reset_to_entry, entry_to_tests or
                  reset_to_tests, cycles; the same with _ms)
    build         {image, clean_s, noop_s, jobs, note} (absent without builds)
"""

from __future__ import annotations

from .programs import (
    AOT_PREFIX,
    ASM_DIR,
    BENCH_DIR,
    DEFINE_RE,
    GOALS,
    JITS,
    KTESTS,
    LINE_RE,
    NAME_RE,
    PAIR_RE,
    Program,
    QBE_TARGET,
    RATIOS,
    REQUIREMENT,
    RESERVED,
    SIZE_RE,
    TABLE,
    VARIANTS,
    c_string,
    generate,
    generate_for_image,
    generated_files,
    programs,
    qbe_assembly,
    rename_defined,
    table_source)
from .runs import (
    Figures,
    KernelRun,
    Result,
    build_jitbench,
    environment,
    geomean,
    measure_builds,
    parse_lines,
    ratio_key,
    run_host,
    run_kernel,
    summarize)
from .report import (
    CHART_SERIES,
    GEOMEAN_ROW,
    TABLE_RATIOS,
    chart_svg,
    render_text,
    run_benchmark,
    table,
    verdict)

__all__ = [
    "AOT_PREFIX",
    "ASM_DIR",
    "BENCH_DIR",
    "DEFINE_RE",
    "GOALS",
    "JITS",
    "KTESTS",
    "LINE_RE",
    "NAME_RE",
    "PAIR_RE",
    "Program",
    "QBE_TARGET",
    "RATIOS",
    "REQUIREMENT",
    "RESERVED",
    "SIZE_RE",
    "TABLE",
    "VARIANTS",
    "c_string",
    "generate",
    "generate_for_image",
    "generated_files",
    "programs",
    "qbe_assembly",
    "rename_defined",
    "table_source",
    "Figures",
    "KernelRun",
    "Result",
    "build_jitbench",
    "environment",
    "geomean",
    "measure_builds",
    "parse_lines",
    "ratio_key",
    "run_host",
    "run_kernel",
    "summarize",
    "CHART_SERIES",
    "GEOMEAN_ROW",
    "TABLE_RATIOS",
    "chart_svg",
    "render_text",
    "run_benchmark",
    "table",
    "verdict",
]
