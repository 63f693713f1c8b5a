using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

public class MMAP002MapSharedTests
{
    [Fact]
    public Task Shared_anonymous_is_reported_with_the_flags_message() => LibcAsync(
        Call(flags: "{|#0:MAP_SHARED | MAP_ANONYMOUS|}"),
        Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap flags are MAP_SHARED|MAP_ANONYMOUS, a shared mapping; the checked runtime and Miri support only private anonymous mappings: " +
            "\"CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS\""));

    [Fact]
    public Task Shared_file_mapping_reports_shared_and_fd_but_not_missing_anonymous() => LibcAsync(
        Call(flags: "{|MMAP002:MAP_SHARED|}", fd: "{|MMAP003:5|}"));

    [Fact]
    public Task Copy_on_write_ternary_says_may() => LibcAsync(
        Call(flags: "{|#0:(condition ? MAP_PRIVATE : MAP_SHARED) | MAP_ANONYMOUS|}"),
        Diagnostic(MapSharedRule.Descriptor).WithLocation(0).WithMessage(
            "mmap flags may be MAP_SHARED|MAP_ANONYMOUS, a shared mapping; the checked runtime and Miri support only private anonymous mappings: " +
            "\"CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS\""));

    [Fact]
    public Task Shared_and_private_together_is_einval_not_shared() => LibcAsync(
        Call(flags: "{|MMAP007:MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS|}"));

    [Fact]
    public Task Io_uring_ring_mapping_reports_each_reason_once() => LibcAsync("""
                const long IORING_OFF_SQ_RING = 0;
                const long IORING_OFF_CQ_RING = 0x8000000;
                int ringFd = unknown;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:{|MMAP005:MAP_SHARED | MAP_POPULATE|}|}, ringFd, (IntPtr)IORING_OFF_SQ_RING);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:{|MMAP005:MAP_SHARED | MAP_POPULATE|}|}, ringFd, {|MMAP006:(IntPtr)IORING_OFF_CQ_RING|});
        """);

    [Fact]
    public Task Private_is_not_reported() => LibcAsync(Call(flags: "MAP_ANONYMOUS | MAP_PRIVATE"));
}
