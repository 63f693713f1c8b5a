using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP005FlagsTests
{
    private const string Quote = "\"CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS\"";

    [Fact]
    public Task Extra_bits_are_named() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK|}"),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_STACK, which add MAP_NORESERVE|MAP_STACK to MAP_PRIVATE|MAP_ANONYMOUS; " +
            "the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Extra_bits_of_a_shared_mapping_are_named_without_claiming_a_private_one() => LibcAsync(
        Call(flags: "{|#0:MAP_SHARED | MAP_POPULATE|}", fd: "{|MMAP003:4|}"),
        new Microsoft.CodeAnalysis.Testing.DiagnosticResult("MMAP002", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(0),
        Diagnostic(FlagsRule.ExtraBitsBesidesMappingType).WithLocation(0).WithMessage(
            "mmap flags are MAP_SHARED|MAP_POPULATE, which set MAP_POPULATE besides the mapping type; " +
            "the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Extra_bits_of_a_private_file_mapping_are_named_without_claiming_an_anonymous_one() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE | MAP_POPULATE|}", fd: "{|MMAP003:4|}"),
        Diagnostic(FlagsRule.ExtraBitsBesidesMappingType).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE|MAP_POPULATE, which set MAP_POPULATE besides the mapping type; " +
            "the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Literal_0x100022_is_populate_plus_fixed_noreplace() => LibcAsync(Call(flags: "{|MMAP001:0x100022|}") + Call(flags: "{|MMAP005:0x8022|}"));

    [Fact]
    public Task Private_without_anonymous_is_reported() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE|}"),
        Diagnostic(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE, without MAP_ANONYMOUS, and the fd is -1: the call always fails with EBADF; the checked runtime and Miri reject it too: " + Quote));

    [Fact]
    public Task Without_anonymous_and_an_fd_that_may_not_be_minus_one_libc_is_not_said_to_fail() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE|}", fd: "unknown") + Call(flags: "{|#1:MAP_SHARED|}", fd: "condition ? -1 : unknown"),
        Diagnostic(FlagsRule.MissingAnonymous).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE, without MAP_ANONYMOUS; the checked runtime and Miri reject it: " + Quote),
        Diagnostic(MapSharedRule.Descriptor).WithLocation(1).WithMessage(
            "mmap flags are MAP_SHARED, a shared mapping; the checked runtime and Miri support only private anonymous mappings: " + Quote));

    [Fact]
    public Task A_call_that_fails_an_earlier_check_first_is_not_said_to_fail_with_EBADF() => LibcAsync(
        Call(flags: "{|#0:MAP_PRIVATE|}", offset: "{|MMAP006:(IntPtr)1|}"),
        Diagnostic(FlagsRule.MissingAnonymous).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE, without MAP_ANONYMOUS; the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task A_shared_mapping_of_no_file_always_fails_with_EBADF() => LibcAsync(
        Call(flags: "{|#0:MAP_SHARED|}") + Call(flags: "MAP_SHARED | MAP_ANONYMOUS".Insert(0, "{|MMAP002:") + "|}"),
        Diagnostic(MapSharedRule.WithoutDescriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_SHARED, a shared mapping of no file: without MAP_ANONYMOUS and with fd -1, the call always fails with EBADF; " +
            "the checked runtime and Miri support only private anonymous mappings: " + Quote));

    [Fact]
    public Task Private_without_anonymous_with_an_extra_bit_is_reported_once_as_missing_anonymous() => LibcAsync(
        Call(flags: "{|#0:0x8002|}"),
        Diagnostic(FlagsRule.MissingAnonymousWithoutDescriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_PRIVATE|MAP_POPULATE, without MAP_ANONYMOUS, and the fd is -1: the call always fails with EBADF; the checked runtime and Miri reject it too: " + Quote));

    [Fact]
    public Task Extra_bits_and_a_missing_anonymous_on_different_paths_are_two_may_diagnostics() => LibcAsync(
        """
                int flags = condition ? MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE : MAP_PRIVATE;

        """ + Call(flags: "{|#0:flags|}"),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithMessage(
            "mmap flags may be MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, which add MAP_POPULATE to MAP_PRIVATE|MAP_ANONYMOUS; " +
            "the checked runtime and Miri reject it: " + Quote),
        Diagnostic(FlagsRule.MissingAnonymous).WithLocation(0).WithMessage(
            "mmap flags may be MAP_PRIVATE, without MAP_ANONYMOUS; the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Private_file_mapping_reports_the_fd_not_the_missing_anonymous() => LibcAsync(Call(flags: "MAP_PRIVATE", fd: "{|MMAP003:4|}"));

    [Fact]
    public Task Flag_added_on_one_branch_says_may() => LibcAsync(
        """
                int flags = MAP_PRIVATE | MAP_ANONYMOUS;
                if (condition)
                {
                    flags |= MAP_NORESERVE;
                }

        """ + Call(flags: "{|#0:flags|}"),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithMessage(
            "mmap flags may be MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, which add MAP_NORESERVE to MAP_PRIVATE|MAP_ANONYMOUS; " +
            "the checked runtime and Miri reject it: " + Quote));

    [Fact]
    public Task Xor_compound_assignment_as_the_argument_readds_hugetlb() => LibcAsync(
        """
                int mapFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)(2 << 20), PROT_READ | PROT_WRITE, {|#0:mapFlags|}, -1, IntPtr.Zero);
                if (p == new IntPtr(-1))
                {
                    // Retry without huge pages... and the second XOR puts MAP_HUGETLB back.
                    p = mmap(IntPtr.Zero, (UIntPtr)(2 << 20), PROT_READ | PROT_WRITE, mapFlags ^= MAP_HUGETLB, -1, IntPtr.Zero);
                    p = mmap(IntPtr.Zero, (UIntPtr)(2 << 20), PROT_READ | PROT_WRITE, {|#1:mapFlags ^= MAP_HUGETLB|}, -1, IntPtr.Zero);
                }
        """,
        Diagnostic(FlagsRule.ExtraBits).WithLocation(0).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB", "MAP_HUGETLB", Quote.Trim('"')),
        Diagnostic(FlagsRule.ExtraBits).WithLocation(1).WithArguments("are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB", "MAP_HUGETLB", Quote.Trim('"')));

    [Fact]
    public Task Exact_private_anonymous_is_not_reported() => LibcAsync(Call(flags: "0x22") + Call(flags: "MAP_ANONYMOUS | MAP_PRIVATE"));
}
