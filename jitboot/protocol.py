"""The kernel <-> harness protocol: every word the two sides must agree on.

The kernel speaks it on COM1 and through isa-debug-exit; jitboot.ktap,
jitboot.qemu, jitboot.runner, jitboot.bench and the tests read it.  It is
declared here once.  The C side gets it from gen/protocol.h, rendered from
boot/protocol.h.j2 with context() (jitboot.render); the few strings that
jit/ sources share with the host twin, which has no gen/, have a fallback
copy in the C header that uses them, and tests/test_protocol.py checks
that copy against this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .ktap import TestResult

# -- how a run ends: isa-debug-exit -----------------------------------------

DEBUG_EXIT_PORT = 0xF4      # QEMU -device isa-debug-exit,iobase=0xf4,iosize=0x04

# What the kernel writes to the port (never 0: QEMU's own error is exit 1).
EXIT_PASS = 0x10            # every test passed
EXIT_FAIL = 0x11            # a test failed
EXIT_PANIC = 0x12           # CPU exception outside a payload, or panic()


def qemu_status(code: int) -> int:
    """QEMU's exit status when the kernel writes code: (code << 1) | 1."""
    return (code << 1) | 1


QEMU_EXIT_PASS = qemu_status(EXIT_PASS)     # 33
QEMU_EXIT_FAIL = qemu_status(EXIT_FAIL)     # 35
QEMU_EXIT_PANIC = qemu_status(EXIT_PANIC)   # 37

# -- how a run ends, per architecture ----------------------------------------

# x86-64 writes the code to isa-debug-exit, which makes QEMU exit with
# qemu_status(code).  aarch64 (QEMU virt has no such device) calls the
# semihosting SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and the
# status itself as its subcode (QEMU -semihosting exits with the subcode),
# so both give QEMU the same exit statuses and the harness one table.
SEMIHOSTING_SYS_EXIT_EXTENDED = 0x20
SEMIHOSTING_APPLICATION_EXIT = 0x20026     # ADP_Stopped_ApplicationExit


@dataclass(frozen=True)
class ExitPath:
    """How one architecture's kernel ends a run with a code."""
    how: str                # what the kernel does
    qemu_args: tuple[str, ...]
    statuses: dict[int, int]    # code the kernel means -> QEMU's exit status


EXIT_PATHS = {
    "x86_64": ExitPath(
        "isa-debug-exit", ("-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"),
        {c: qemu_status(c) for c in (EXIT_PASS, EXIT_FAIL, EXIT_PANIC)}),
    "aarch64": ExitPath(
        "semihosting SYS_EXIT_EXTENDED", ("-semihosting-config", "enable=on,target=native"),
        {c: qemu_status(c) for c in (EXIT_PASS, EXIT_FAIL, EXIT_PANIC)}),
}

# -- KTAP version 1 on the serial port ---------------------------------------

KTAP_VERSION = 1
KTAP_VERSION_PREFIX = "KTAP version "
KTAP_HEADER = f"{KTAP_VERSION_PREFIX}{KTAP_VERSION}"   # "KTAP version 1"
KTAP_PLAN = "1.."                   # "1..N": N tests follow
KTAP_OK = "ok"                      # "ok N name"
KTAP_NOT_OK = "not ok"              # "not ok N name # reason"
KTAP_DIRECTIVE = " # "              # between a result's name and its reason
KTAP_DIAGNOSTIC = "# "              # a diagnostic line; framed program output too
KTAP_SUBTEST = "# Subtest: "        # names a nested block
KTAP_SKIP = "SKIP"                  # "ok N name # SKIP why"
KTAP_INDENT = 4                     # spaces per nesting level
# How long a test ran, by the kernel's clock: a diagnostic of its block,
# "# duration_ms: 12.345" before its result line (JUnit's testsuite time).
KTAP_DURATION = "duration_ms:"

PANIC = "PANIC:"                    # the kernel's last line before EXIT_PANIC

# -- boot arguments: which tests a boot runs ---------------------------------

# The harness tells the kernel what to run in words "key=value" separated
# by spaces, read from the multiboot command line and then from the QEMU
# firmware configuration file BOOT_ARGS_FILE (-fw_cfg name=...,string=...),
# which reaches the kernel whichever loader booted it (a GRUB ISO's command
# line is fixed when the ISO is made).  A later word wins.
BOOT_ARGS_FILE = "opt/jitboot/args"
ARG_TESTS = "tests"                 # "tests=jit_*,heap,payload:x.ssa": globs (* and ?)
ARG_BOOT = "boot"                   # "boot=2": the run's boot number (1 first), ktest_boot()
TEST_SEPARATOR = ","                # between the globs of ARG_TESTS
# The kernel's diagnostic of a selection: "# selected 2 of 6 tests: jit_*,heap".
SELECTED = "selected"

# -- payloads ----------------------------------------------------------------

MAX_MODULES = 64                    # multiboot modules the kernel keeps (payloads)
PAYLOAD_PREFIX = "payload:"         # the KTAP test of module NAME is "payload:NAME"
# Modules that are not programs, told apart by their name (the last word
# of the module's command line): "data:NAME" is a data file payloads open
# as NAME (fopen), "args:" the payloads' arguments, each NUL-terminated.
DATA_MODULE_PREFIX = "data:"
ARGS_MODULE = "args:"
# Where modules travel without a multiboot loader (aarch64): module i
# named NAME is the fw_cfg file MODULE_FILE_PREFIX + "%02d/" % i + NAME
# (-fw_cfg name=...,file=PATH), the index keeping the harness's order.
# fw_cfg names are at most FW_CFG_NAME_MAX - 1 bytes.
MODULE_FILE_PREFIX = "opt/jitboot/m/"
FW_CFG_NAME_MAX = 56
# The check line of a payload that called abort(): "not ok 3 main returned 0 # abort called".
ABORT_CALLED = "abort called"

# A payload that means to fault says so in a line of its IL:
# "# expect fault: #PF" (a CPU exception's mnemonic) or "# expect fault: timeout".
FAULT_TAG = "# expect fault:"
FAULT_TIMEOUT = "timeout"           # the watchdog's "exception" name
# An isolated payload's call the gate refused (a pointer argument that is
# not the payload's memory): "not ok 3 main returned 0 # refused: puts
# argument 1, 0x100000, is not the payload's memory: puts(const char *)";
# "# expect fault: refused" declares it.
FAULT_REFUSED = "refused"
# The check line of a fault that went as declared: "contained PF page fault in main+0x4 ...".
FAULT_CONTAINED = "contained"
# A faulted payload's frames, innermost first, as diagnostics before its
# last check: "# backtrace #0 prog.c:4 in div (div+0x7)" (not program output).
BACKTRACE = "backtrace"


def payload_test_name(module: str) -> str:
    return PAYLOAD_PREFIX + module


def payload_results(tests: Iterable[TestResult]) -> dict[str, TestResult]:
    """{module name: test} for the payload tests among KTAP top-level tests
    (a KtapLog's .tests), in order."""
    return {t.name.removeprefix(PAYLOAD_PREFIX): t for t in tests
            if t.name.startswith(PAYLOAD_PREFIX)}


def expected_fault(il_text: str) -> str | None:
    """The fault an IL program declares ("PF", "timeout"), or None."""
    for line in il_text.splitlines():
        if line.startswith(FAULT_TAG):
            words = line[len(FAULT_TAG):].split()
            return words[0].removeprefix("#") if words else None
    return None


# -- program output (kernel_lib/ktest.c writes it, jitboot/output.py reads it) --

# What a test writes to stdout goes out as diagnostics of its block, one
# "# out N: TEXT" line per program line (N: the test's KTAP number), TEXT
# escaped so that no byte a program writes can make the line read as KTAP;
# the whole scheme is described at the top of jitboot/output.py.
OUTPUT_FRAME = "out"
OUTPUT_CHUNK = 128                  # program bytes per frame at most
OUTPUT_CONTINUED = "\\"             # a frame's last char: no newline here
# A test that wrote past [run] output_limit gets a failing check,
# "not ok K output within output_limit # the program wrote 200000 bytes;
# the first 131072 are shown".
OUTPUT_CHECK = "output within output_limit"
OUTPUT_WROTE = "the program wrote"

# -- benchmark lines (jit/bench.c bench_line, jitboot/bench/runs.py parse_lines) ---

BENCH_PREFIX = "bench"              # diagnostics "# bench WHAT key=value ..."
# The keys of one program's line, in the order bench_line() prints them;
# " jit_failed=1" follows when the JIT failed.
BENCH_KEYS = ("n", "aot_gcc", "aot_qbe", "jit_off", "jit_on", "compile_off", "compile_on",
              "lines", "result")
BENCH_JIT_FAILED = "jit_failed"
BENCH_RECORDS = ("env", "boot", "done")     # WHAT words that are not programs

# -- coverage data (kernel_lib/gcov.c gcov_dump, jitboot/coverage.py read_frames) --

# A coverage image's .gcda files, after the last test, as diagnostics:
# "# gcov-file BYTES CRC32 PATH", then the file in base64 lines
# "# gcov-data ..." of GCOV_LINE_BYTES bytes each, and "# gcov-end FILES".
GCOV_FILE = "gcov-file"
GCOV_DATA = "gcov-data"
GCOV_END = "gcov-end"
GCOV_LINE_BYTES = 57                # 76 base64 characters


def context() -> dict:
    """The `protocol` variable of boot/protocol.h.j2."""
    return {
        "debug_exit_port": DEBUG_EXIT_PORT,
        "exit_pass": EXIT_PASS, "exit_fail": EXIT_FAIL, "exit_panic": EXIT_PANIC,
        "qemu_exit_pass": QEMU_EXIT_PASS, "qemu_exit_fail": QEMU_EXIT_FAIL,
        "qemu_exit_panic": QEMU_EXIT_PANIC,
        "ktap_header": KTAP_HEADER, "ktap_plan": KTAP_PLAN, "ktap_ok": KTAP_OK,
        "ktap_not_ok": KTAP_NOT_OK, "ktap_directive": KTAP_DIRECTIVE,
        "ktap_diagnostic": KTAP_DIAGNOSTIC, "ktap_subtest": KTAP_SUBTEST,
        "ktap_skip": KTAP_SKIP, "ktap_indent": " " * KTAP_INDENT,
        "ktap_duration": KTAP_DURATION,
        "panic": PANIC, "boot_args_file": BOOT_ARGS_FILE, "arg_tests": ARG_TESTS,
        "arg_boot": ARG_BOOT, "test_separator": TEST_SEPARATOR, "selected": SELECTED,
        "payload_prefix": PAYLOAD_PREFIX, "max_modules": MAX_MODULES,
        "data_module_prefix": DATA_MODULE_PREFIX, "args_module": ARGS_MODULE,
        "module_file_prefix": MODULE_FILE_PREFIX, "fw_cfg_name_max": FW_CFG_NAME_MAX,
        "abort_called": ABORT_CALLED,
        "fault_tag": FAULT_TAG, "fault_timeout": FAULT_TIMEOUT, "fault_refused": FAULT_REFUSED,
        "fault_contained": FAULT_CONTAINED, "backtrace": BACKTRACE,
        "bench_prefix": BENCH_PREFIX,
        "output_frame": OUTPUT_FRAME, "output_chunk": OUTPUT_CHUNK,
        "output_continued": OUTPUT_CONTINUED, "output_check": OUTPUT_CHECK,
        "output_wrote": OUTPUT_WROTE,
        "gcov_file": GCOV_FILE, "gcov_data": GCOV_DATA, "gcov_end": GCOV_END,
        "gcov_line_bytes": GCOV_LINE_BYTES,
        "semihosting_sys_exit_extended": SEMIHOSTING_SYS_EXIT_EXTENDED,
        "semihosting_application_exit": SEMIHOSTING_APPLICATION_EXIT,
    }
