using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP003 on descriptors whose number is not written in the source: what open() and its kin return, .NET file handles, guards.</summary>
public class FileDescriptorSourceTests
{
    private const string Natives = """
        using System;
        using System.Runtime.InteropServices;

        static partial class Native
        {
            [DllImport("libc", SetLastError = true)] public static extern int open(string path, int flags);
            [DllImport("libc", SetLastError = true)] public static extern int memfd_create(string name, uint flags);
            [DllImport("libc", EntryPoint = "shm_open", SetLastError = true)] public static extern int ShmOpen(string name, int flags, int mode);
            [DllImport("libc", SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
            [DllImport("libc", SetLastError = true)] public static extern int eventfd(uint initval, int flags);
            [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
            [LibraryImport("libc", SetLastError = true)] public static partial int {|CS8795:io_uring_setup|}(uint entries, IntPtr p);
            [DllImport("libc", SetLastError = true)] public static extern int getpid();
            public static int NotNative(string path) => 3;
        }
        """;

    private static string Message(string verb, string values) =>
        $"mmap file descriptor {verb} {values}, not -1: a file-backed mapping; the checked runtime and Miri reject it: " +
        "\"CheckedMmap does not support file-backed memory mappings\"";

    private static Task RunAsync(string body, params Microsoft.CodeAnalysis.Testing.DiagnosticResult[] expected) =>
        Libc(body).WithSource(Natives).Expect(expected).RunAsync();

    [Theory]
    [InlineData("Native.open(\"/dev/fb0\", 2)")]
    [InlineData("Native.memfd_create(\"ring\", 0)")]
    [InlineData("Native.ShmOpen(\"/ring\", 2, 384)")]
    [InlineData("Native.socket(44, 3, 0)")]
    [InlineData("Native.eventfd(0, 0)")]
    [InlineData("Native.io_uring_setup(8, IntPtr.Zero)")]
    public Task A_descriptor_from_a_function_that_opens_one_is_definite(string source) => RunAsync(
        $$"""
                int fd = {{source}};
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|#0:fd|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")));

    [Fact]
    public Task A_descriptor_passed_straight_from_open_is_definite() => RunAsync(
        """
                mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:PROT_READ|}, MAP_PRIVATE, {|#0:Native.open("/data", 0)|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")));

    [Fact]
    public Task A_parameter_after_a_negative_check_is_a_descriptor() => RunAsync(
        """
                if (unknown < 0) return;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|#0:unknown|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")));

    [Fact]
    public Task A_local_after_a_minus_one_check_that_throws_is_a_descriptor() => RunAsync(
        """
                int fd = unknown;
                if (fd == -1) throw new InvalidOperationException("open failed");
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, {|#0:fd|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")));

    [Fact]
    public Task Minus_one_only_on_a_path_that_does_not_reach_mmap_does_not_count() => RunAsync(
        """
                int fd = -1;
                if (condition) fd = Native.open("/dev/mem", 2);
                if (fd < 0) return;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, {|#0:fd|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")));

    [Fact]
    public Task Minus_one_on_a_path_that_reaches_mmap_says_may() => RunAsync(
        """
                int fd = -1;
                if (condition) fd = Native.open("/dev/zero", 2);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP005:MAP_PRIVATE | (fd == -1 ? MAP_ANONYMOUS : 0)|}, {|#0:fd|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("may be", "a real descriptor")));

    [Fact]
    public Task A_known_number_that_fails_the_guard_is_dropped() => RunAsync(
        """
                int fd = condition ? -1 : 5;
                if (fd < 0) return;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, {|#0:fd|}, IntPtr.Zero);
        """,
        Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "5")));

    [Fact]
    public Task A_comparison_that_only_chooses_the_flags_proves_nothing_about_the_descriptor() => RunAsync(
        """
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:unknown == -1 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED|}, unknown, IntPtr.Zero);
                int flags = unknown != -1 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:flags|}, unknown, IntPtr.Zero);
        """);

    [Fact]
    public Task A_test_no_descriptor_passes_leaves_only_minus_one() => RunAsync(
        """
                int fd = condition ? -1 : Native.open("/dev/zero", 2);
                if (fd < 0)
                {
                    mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, fd, IntPtr.Zero);
                    return;
                }

                int opened = Native.open("/dev/zero", 2);
                if (opened == -1)
                {
                    mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, opened, IntPtr.Zero);
                }
        """);

    [Fact]
    public Task File_handles_from_dotnet_are_descriptors() => new MmapAnalyzerTest("""
        using System;
        using System.IO;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mmap")]
            public static extern IntPtr MMap(IntPtr addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);

            [DllImport("libc", EntryPoint = "mmap")]
            public static extern IntPtr MMapRaw(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void M(FileStream stream, SafeFileHandle given)
            {
                MMap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:File.OpenHandle("/data")|}, 0);
                MMap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:stream.SafeFileHandle|}, 0);
                MMapRaw(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:(int)stream.SafeFileHandle.DangerousGetHandle()|}, 0);
                MMap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, given, 0);
                MMapRaw(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, (int)given.DangerousGetHandle(), 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Parameters_and_other_calls_of_unknown_value_stay_silent() => RunAsync(
        """
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, unknown, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, Native.getpid(), IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, Native.NotNative("/x"), IntPtr.Zero);
                int fd = unknown;
                if (fd > 100) return;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, {|MMAP002:MAP_SHARED|}, fd, IntPtr.Zero);
        """);

    [Fact]
    public Task A_check_that_lets_minus_one_through_proves_nothing() => RunAsync(
        """
                if (unknown == 0) return;
                if (unknown != -1) return;
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, unknown, IntPtr.Zero);
        """);

    [Fact]
    public Task A_descriptor_that_is_never_minus_one_silences_the_missing_anonymous_report() => RunAsync(
        """
                int fd = Native.open("/data", 0);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, {|MMAP003:fd|}, IntPtr.Zero);
        """);

    private const string RingNatives = """
        using System;
        using System.IO;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        static class Sys
        {
            [DllImport("libc", SetLastError = true)] public static extern int io_uring_setup(uint entries, IntPtr p);
            [DllImport("libc", SetLastError = true)] public static extern int open(string path, int flags);
            [DllImport("libc", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)] public static extern IntPtr MMapHandle(IntPtr addr, nuint length, int prot, int flags, SafeFileHandle fd, long offset);
        }
        """;

    [Fact]
    public Task A_readonly_field_every_constructor_fills_from_a_descriptor_source_is_definite() => new MmapAnalyzerTest(RingNatives + """

        sealed class Ring
        {
            private readonly int _ringFd;
            private readonly int fd;
            private readonly SafeFileHandle _file = File.OpenHandle("/data");

            public Ring(uint entries)
            {
                _ringFd = Sys.io_uring_setup(entries, IntPtr.Zero);
                if (_ringFd < 0) throw new InvalidOperationException("io_uring_setup failed");
                int opened = Sys.open("/dev/fb0", 2);
                if (opened < 0) throw new InvalidOperationException("open failed");
                this.fd = opened;
            }

            public Ring(uint entries, int fd) : this(entries)
            {
                fd = 5; // the parameter, not the field
            }

            public IntPtr MapRings() =>
                Sys.mmap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|#0:_ringFd|}, 0);

            public IntPtr MapFrame() =>
                Sys.mmap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|#1:this.fd|}, 0);

            public IntPtr MapFile() =>
                Sys.MMapHandle(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|#2:_file|}, 0);
        }
        """).Expect(
            Diagnostic(FileBackedRule.Descriptor).WithLocation(0).WithMessage(Message("is", "a real descriptor")),
            Diagnostic(FileBackedRule.Descriptor).WithLocation(1).WithMessage(Message("is", "a real descriptor")),
            Diagnostic(FileBackedRule.Descriptor).WithLocation(2).WithMessage(Message("is", "a real descriptor"))).RunAsync();

    [Fact]
    public Task A_field_any_write_of_which_is_not_a_descriptor_stays_silent() => new MmapAnalyzerTest(RingNatives + """

        sealed class Buffers
        {
            private readonly int _given;
            private readonly int _either;
            private readonly int _byOut;
            private readonly int _parenthesized = Sys.open("/data", 0);
            private int _mutable = Sys.open("/data", 0);

            public Buffers(int given, bool anonymous)
            {
                _given = given;
                _either = anonymous ? -1 : Sys.open("/data", 0);
                Fill(out _byOut);
            }

            public Buffers() : this(3, true)
            {
                _either = -1;
                (_parenthesized) = -1;
            }

            private static void Fill(out int fd) => fd = Sys.open("/data", 0);

            public void Map()
            {
                Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _given, 0);
                Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _byOut, 0);
                Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _mutable, 0);
                Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _parenthesized, 0);
            }

            public void MapEither() => Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _either, 0);
        }
        """).RunAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Fields_written_from_fields_get_one_answer_whichever_is_asked_first(bool innerFirst) => new MmapAnalyzerTest(RingNatives + $$"""

        sealed class Chain
        {
            private readonly int _a, _b, _c, _d;

            public Chain()
            {
                _d = Sys.open("/dev/fb0", 2);
                _c = _d;
                _b = _c;
                _a = _b;
            }

            public void Map()
            {
                {{(innerFirst ? "Sys.mmap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:_c|}, 0);" : string.Empty)}}
                Sys.mmap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:_a|}, 0);
                {{(innerFirst ? string.Empty : "Sys.mmap(IntPtr.Zero, 4096, 3, {|MMAP002:0x01|}, {|MMAP003:_c|}, 0);")}}
            }
        }
        """).RunAsync();

    [Fact]
    public Task Fields_written_from_each_other_are_decided_once_each_and_stay_silent()
    {
        // Each field is written from all the others: deciding one must not decide the rest once per path to them.
        const int Count = 12;
        var fields = new System.Text.StringBuilder();
        var writes = new System.Text.StringBuilder();
        for (int i = 0; i < Count; i++)
        {
            fields.Append($"    private readonly int _f{i};\n");
            writes.Append($"        _f{i} = ").Append(string.Join(" | ", Enumerable.Range(0, Count).Where(j => j != i).Select(j => $"_f{j}"))).Append(";\n");
        }

        return new MmapAnalyzerTest(RingNatives + $$"""

            sealed class Tangle
            {
            {{fields}}
                public Tangle()
                {
            {{writes}}
                }

                public IntPtr Map() => Sys.mmap(IntPtr.Zero, 4096, 3, 0x22, _f0, 0);
            }
            """).RunAsync();
    }
}
