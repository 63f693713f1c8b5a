using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>One-level wrappers whose own name says nothing about mmap (<c>MemoryMap.Create</c>), called from other files.</summary>
public class AnyNameWrapperTests
{
    private const string Wrappers = """
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }

        public sealed class MemoryMap
        {
            public const int Shared = 0x01, Private = 0x02, Anonymous = 0x20;

            public IntPtr Address;

            public static MemoryMap Create(nuint length, int flags, int fd = -1)
            {
                var map = new MemoryMap();
                map.Address = Native.mmap(IntPtr.Zero, length, 3, flags, fd, 0);
                return map;
            }

            // Calls mmap but hands it none of its parameters: not a wrapper.
            public static IntPtr Fixed(int unrelated) => Native.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
        }
        """;

    [Fact]
    public Task A_wrapper_named_Create_is_judged_at_call_sites_in_other_files() => new MmapAnalyzerTest("""
        static class Ring
        {
            static void Setup(int fd)
            {
                MemoryMap.Create(4096, {|MMAP002:MemoryMap.Shared|}, fd);
                MemoryMap.Create(4096, MemoryMap.Private | MemoryMap.Anonymous);
                MemoryMap.Create(4096, MemoryMap.Private, {|MMAP003:7|});
                MemoryMap.Fixed(0x01);
            }
        }
        """).WithSource(Wrappers).RunAsync();

    [Fact]
    public Task An_extension_method_wrapper_is_judged_on_its_receiver() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Pages
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            public static IntPtr MapWith(this int flags, nuint length) => mmap(IntPtr.Zero, length, 3, flags, -1, 0);

            static void Use()
            {
                {|MMAP002:(0x01 | 0x20)|}.MapWith(4096);
                MapWith({|MMAP002:0x01 | 0x20|}, 4096);
                Pages.MapWith({|MMAP002:checked(0x01 | 0x20)|}, 4096);
                (0x02 | 0x20).MapWith(4096);
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_local_function_wrapper_of_any_name_is_judged_in_its_member() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Ring
        {
            [DllImport("libc")]
            static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static void Setup()
            {
                Map({|MMAP002:0x01|});
                Map(0x22);

                IntPtr Map(int flags) => mmap(IntPtr.Zero, 4096, 3, flags, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Other_methods_of_the_same_name_are_not_wrappers() => new MmapAnalyzerTest("""
        static class Other
        {
            public static int Create(nuint length, int flags, int fd = -1) => flags;

            static void M()
            {
                Create(4096, 0x01, 7);
                System.Collections.Immutable.ImmutableArray.Create(1, 2);
            }
        }
        """).WithSource(Wrappers).RunAsync();

    [Fact]
    public Task Many_wrappers_are_found_by_one_scan_of_each_file() => new MmapAnalyzerTest("""
        static class Use
        {
            static void M()
            {
                Many.Grow0(4096, 0x22);
                Many.Grow7(4096, {|MMAP002:0x01|});
                Many.Grow11(4096, {|MMAP002:0x01|});
                Many.Grow1(4096, 0x22);
            }
        }
        """).WithSource(ManyWrappers()).RunAsync();

    [Fact]
    public Task Many_wrappers_sharing_a_start_are_found_past_identifiers_that_only_begin_or_end_alike() => new MmapAnalyzerTest("""
        static class Use
        {
            static int MapBufferPool, OldMapBuffer_7;

            static void M()
            {
                MapBufferPool = OldMapBuffer_7;
                Many.MapBuffer_7(4096, {|MMAP002:0x01|});
            }
        }
        """).WithSource(ManyWrappers("MapBuffer_")).RunAsync();

    private static string ManyWrappers(string prefix = "Grow")
    {
        var text = new System.Text.StringBuilder("""
            using System;
            using System.Runtime.InteropServices;

            static class Many
            {
                [DllImport("libc")]
                static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            """);
        for (int i = 0; i < 12; i++)
        {
            text.Append("    public static IntPtr ").Append(prefix).Append(i).Append("(nuint length, int flags) => mmap(IntPtr.Zero, length, 3, flags, -1, 0);\n");
        }

        return text.Append("}\n").ToString();
    }
}
