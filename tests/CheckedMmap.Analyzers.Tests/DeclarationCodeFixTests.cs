using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>The MMAP010 code fixes: one fix at a time and Fix All, each leaving code that compiles with no warning.</summary>
public class DeclarationCodeFixTests
{
    [Fact]
    public Task Narrow_parameters_and_results_are_widened_and_call_sites_in_other_files_get_the_casts_they_need()
    {
        var test = new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>(null, null);
        test.TestState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            public static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern {|MMAP010:int|} mmap(IntPtr addr, {|MMAP010:int|} length, int prot, int flags, int fd, {|MMAP010:int|} offset);

                [DllImport("libc", SetLastError = true)]
                public static extern {|MMAP010:IntPtr|} munmap(IntPtr addr, UIntPtr length);
            }
            """));
        test.TestState.Sources.Add(("/Pool.cs", """
            using System;

            static class Pool
            {
                public static long Get(int size, long bytes)
                {
                    int p = Native.mmap(IntPtr.Zero, size, 3, 0x22, -1, 0);
                    var q = Native.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                    long r = Native.mmap(IntPtr.Zero, checked((int)bytes), 3, 0x22, -1, size);
                    if (Native.munmap((IntPtr)q, (UIntPtr)4096) != IntPtr.Zero) throw new InvalidOperationException();
                    var status = Native.munmap((IntPtr)r, (UIntPtr)4096);
                    Native.mmap(IntPtr.Zero, size + 1, 3, 0x22, -1, 0);
                    return p + r + Native.mmap(IntPtr.Zero, 1, 3, 0x22, -1, 0).CompareTo(0) + status.ToInt64();
                }
            }
            """));
        test.FixedState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            public static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern nint mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                [DllImport("libc", SetLastError = true)]
                public static extern int munmap(IntPtr addr, UIntPtr length);
            }
            """));
        test.FixedState.Sources.Add(("/Pool.cs", """
            using System;

            static class Pool
            {
                public static long Get(int size, long bytes)
                {
                    int p = (int)Native.mmap(IntPtr.Zero, (nuint)size, 3, 0x22, -1, 0);
                    var q = (int)Native.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                    long r = Native.mmap(IntPtr.Zero, (nuint)checked((int)bytes), 3, 0x22, -1, size);
                    if (Native.munmap((IntPtr)q, (UIntPtr)4096) != IntPtr.Zero) throw new InvalidOperationException();
                    var status = (IntPtr)Native.munmap((IntPtr)r, (UIntPtr)4096);
                    Native.mmap(IntPtr.Zero, (nuint)(size + 1), 3, 0x22, -1, 0);
                    return p + r + ((int)Native.mmap(IntPtr.Zero, 1, 3, 0x22, -1, 0)).CompareTo(0) + status.ToInt64();
                }
            }
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task Before_CSharp_9_the_pointer_sized_types_are_spelled_IntPtr_and_UIntPtr_and_a_uint_argument_still_converts() => WithLanguageVersion(
        new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>("""
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc")]
                static extern IntPtr mmap(IntPtr addr, {|MMAP010:uint|} length, int prot, int flags, int fd, IntPtr offset);

                static IntPtr Map(uint n) => mmap(IntPtr.Zero, n, 3, 0x22, -1, IntPtr.Zero);
            }
            """, """
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc")]
                static extern IntPtr mmap(IntPtr addr, System.UIntPtr length, int prot, int flags, int fd, IntPtr offset);

                static IntPtr Map(uint n) => mmap(IntPtr.Zero, n, 3, 0x22, -1, IntPtr.Zero);
            }
            """)).RunAsync();

    [Fact]
    public Task An_enum_typed_parameter_is_reported_but_not_rewritten()
    {
        const string source = """
            using System;
            using System.Runtime.InteropServices;

            enum Offset : int { None = 0 }

            static class Native
            {
                [DllImport("libc", SetLastError = true)]
                static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, {|MMAP010:Offset|} offset);
            }
            """;
        return new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>(source, source).RunAsync();
    }

    /// <summary>
    /// A delegate made from the binding's method group, or a function pointer to it, needs the old signature: no cast at
    /// a call site keeps that building, so the widening is not offered (one at a time or all at once). Calls, nameof and
    /// cref alone do not stop it.
    /// </summary>
    [Theory]
    [InlineData("private static readonly Func<IntPtr, int, int> Release = Native.munmap;")]
    [InlineData("public static void Use(Func<IntPtr, int, int> release) { } public static void M() => Use(Native.munmap);")]
    [InlineData("public static unsafe delegate*<IntPtr, int, int> Release() => &Native.munmap;")]
    public Task A_binding_used_as_a_method_group_is_reported_but_not_rewritten(string use)
    {
        string source = $$"""
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                [DllImport("libc", SetLastError = true)]
                public static extern int munmap(IntPtr addr, {|MMAP010:int|} length);
            }

            static class Pool
            {
                {{use}}
                public static int Free(IntPtr p) => Native.munmap(p, 4096);
            }
            """;
        return new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>(source, source).RunAsync();
    }

    [Fact]
    public Task A_binding_only_called_and_named_is_widened() => new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>("""
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int munmap(IntPtr addr, {|MMAP010:int|} length);

            /// <summary>Calls <see cref="munmap"/>.</summary>
            public static int Free(IntPtr p, int n) => munmap(p, n) + nameof(munmap).Length * 0;
        }
        """, """
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int munmap(IntPtr addr, nuint length);

            /// <summary>Calls <see cref="munmap"/>.</summary>
            public static int Free(IntPtr p, int n) => munmap(p, (nuint)n) + nameof(munmap).Length * 0;
        }
        """).RunAsync();

    [Fact]
    public Task SetLastError_is_added_or_turned_on_in_the_binding_declared_in_another_file()
    {
        var test = new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>(null, null);
        test.TestState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc")]
                public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

                [DllImport("libc", EntryPoint = "mprotect", SetLastError = false)]
                public static extern int Protect(IntPtr addr, UIntPtr length, int prot);
            }
            """));
        test.TestState.Sources.Add(("/Use.cs", """
            using System;
            using System.ComponentModel;
            using System.Runtime.InteropServices;

            static class Use
            {
                static IntPtr Map(UIntPtr size)
                {
                    IntPtr p = Native.mmap(IntPtr.Zero, size, 3, 0x22, -1, IntPtr.Zero);
                    if (p == new IntPtr(-1)) throw new Win32Exception({|MMAP010:Marshal.GetLastWin32Error()|});
                    if (Native.Protect(p, size, 3) != 0) throw new Win32Exception({|MMAP010:Marshal.GetLastPInvokeError()|});
                    IntPtr q = Native.mmap(IntPtr.Zero, size, 3, 0x22, -1, IntPtr.Zero);
                    if (q == new IntPtr(-1)) throw new Win32Exception({|MMAP010:Marshal.GetLastWin32Error()|});
                    return p;
                }
            }
            """));
        test.FixedState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

                [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
                public static extern int Protect(IntPtr addr, UIntPtr length, int prot);
            }
            """));
        test.FixedState.Sources.Add(("/Use.cs", """
            using System;
            using System.ComponentModel;
            using System.Runtime.InteropServices;

            static class Use
            {
                static IntPtr Map(UIntPtr size)
                {
                    IntPtr p = Native.mmap(IntPtr.Zero, size, 3, 0x22, -1, IntPtr.Zero);
                    if (p == new IntPtr(-1)) throw new Win32Exception(Marshal.GetLastWin32Error());
                    if (Native.Protect(p, size, 3) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
                    IntPtr q = Native.mmap(IntPtr.Zero, size, 3, 0x22, -1, IntPtr.Zero);
                    if (q == new IntPtr(-1)) throw new Win32Exception(Marshal.GetLastWin32Error());
                    return p;
                }
            }
            """));
        return test.RunAsync();
    }

    [Fact]
    public Task Both_kinds_are_fixed_together_and_a_widening_earlier_in_the_file_does_not_lose_the_attribute()
    {
        // One provider for both kinds: Fix All and dotnet format apply the first diagnostic's provider to all of them.
        var test = new HermeticCodeFixTest<DeclarationAnalyzer, DeclarationCodeFix>(null, null);
        test.TestState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern IntPtr mmap(IntPtr addr, {|MMAP010:int|} length, int prot, int flags, int fd, IntPtr offset);

                [DllImport("libc", EntryPoint = "mprotect")]
                public static extern int Protect(IntPtr addr, UIntPtr length, int prot);
            }
            """));
        test.TestState.Sources.Add(("/Use.cs", """
            using System;
            using System.ComponentModel;
            using System.Runtime.InteropServices;

            static class Use
            {
                static void Protect(IntPtr p, UIntPtr size)
                {
                    if (Native.Protect(p, size, 3) != 0) throw new Win32Exception({|MMAP010:Marshal.GetLastPInvokeError()|});
                }
            }
            """));
        test.FixedState.Sources.Add(("/Native.cs", """
            using System;
            using System.Runtime.InteropServices;

            static class Native
            {
                [DllImport("libc", SetLastError = true)]
                public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, IntPtr offset);

                [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
                public static extern int Protect(IntPtr addr, UIntPtr length, int prot);
            }
            """));
        test.FixedState.Sources.Add(("/Use.cs", """
            using System;
            using System.ComponentModel;
            using System.Runtime.InteropServices;

            static class Use
            {
                static void Protect(IntPtr p, UIntPtr size)
                {
                    if (Native.Protect(p, size, 3) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
                }
            }
            """));
        return test.RunAsync();
    }

    private static HermeticCodeFixTest<DeclarationAnalyzer, T> WithLanguageVersion<T>(HermeticCodeFixTest<DeclarationAnalyzer, T> test)
        where T : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
    {
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var options = (Microsoft.CodeAnalysis.CSharp.CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!;
            return solution.WithProjectParseOptions(projectId, options.WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp8));
        });
        return test;
    }
}
