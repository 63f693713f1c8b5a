using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP004ProtectionTests
{
    private const string Quote = "\"CheckedMmap does not support calls to mmap/mprotect with protections other than PROT_READ|PROT_WRITE\"";

    [Fact]
    public Task Prot_none_is_worded_as_a_reservation() => LibcAsync(
        Call(prot: "{|#0:PROT_NONE|}"),
        Diagnostic(ProtectionRule.Reservation).WithLocation(0).WithMessage(
            "mmap protection is PROT_NONE, an address-space reservation; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: " + Quote));

    [Fact]
    public Task Exec_is_worded_as_executable_memory() => LibcAsync(
        Call(prot: "{|#0:PROT_READ | PROT_WRITE | PROT_EXEC|}"),
        Diagnostic(ProtectionRule.Executable).WithLocation(0).WithMessage(
            "mmap protection is PROT_READ|PROT_WRITE|PROT_EXEC, executable memory; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: " + Quote));

    [Fact]
    public Task Read_only_is_reported() => LibcAsync(
        Call(prot: "{|#0:PROT_READ|}"),
        Diagnostic(ProtectionRule.Other).WithLocation(0).WithMessage(
            "mmap protection is PROT_READ, not PROT_READ|PROT_WRITE; the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Literal_1_is_read_only() => LibcAsync(Call(prot: "{|MMAP004:1|}"));

    [Fact]
    public Task Exec_on_one_branch_says_may() => LibcAsync(
        Call(prot: "{|#0:condition ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC|}"),
        Diagnostic(ProtectionRule.Executable).WithLocation(0).WithMessage(
            "mmap protection may be PROT_READ|PROT_EXEC, executable memory; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: " + Quote));

    [Fact]
    public Task A_reservation_beside_executable_memory_is_not_called_executable() => LibcAsync(
        Call(prot: "{|#0:condition ? PROT_NONE : PROT_READ | PROT_EXEC|}"),
        Diagnostic(ProtectionRule.Executable).WithLocation(0).WithMessage(
            "mmap protection may be PROT_READ|PROT_EXEC, executable memory; the checked runtime and Miri accept only PROT_READ|PROT_WRITE: " + Quote));

    [Fact]
    public Task Enum_cast_to_int_is_understood() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MemoryProtection { None = 0, Read = 1, Write = 2, Execute = 4, ReadWrite = Read | Write, ReadWriteExecute = Read | Write | Execute }

        static class Posix
        {
            [DllImport("libc", SetLastError = true)]
            static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

            static void M()
            {
                mmap(0, 4096, {|MMAP004:(int)MemoryProtection.ReadWriteExecute|}, 0x22, -1, 0);
                mmap(0, 4096, (int)MemoryProtection.ReadWrite, 0x22, -1, 0);
                mmap(0, 4096, (int)(MemoryProtection.Read | MemoryProtection.Write), 0x22, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Read_write_is_not_reported() => LibcAsync(Call(prot: "PROT_WRITE | PROT_READ") + Call(prot: "3"));

    [Fact]
    public Task Protections_from_a_helper_are_unknown() => LibcAsync(Call(prot: "GetProtections(condition)") + """

            }
            static int GetProtections(bool x) => x ? 1 : 3;
            void N()
            {
        """);
}
