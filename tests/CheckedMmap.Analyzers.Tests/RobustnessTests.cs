using System.Linq;
using Microsoft.CodeAnalysis;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Half-typed and odd code: the analyzer never throws (no AD0001) and does not guess.</summary>
public class RobustnessTests
{
    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;
        static unsafe partial class L
        {
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }
        """;

    public static TheoryData<string> BrokenBodies => new()
    {
        "L.mmap(",
        "L.mmap(IntPtr.Zero, 4096, 3, ",
        "L.mmap(IntPtr.Zero, 4096, 3, 0x21",
        "L.mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0, 99);",
        "L.mmap(IntPtr.Zero, \"4096\", 3, 0x21, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, Missing.Value, 0x21, -1, 0);",
        "L.mmap(flags: 0x21, flags: 0x22, IntPtr.Zero, 4096, 3, -1, 0);",
        "L.mmap(nope: 1, IntPtr.Zero, 4096, 3, 0x21, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, (dynamic)3, 0x21, -1, 0);",
        "dynamic d = 3; L.mmap(IntPtr.Zero, 4096, d, 0x21, -1, 0);",
        "int f; L.mmap(IntPtr.Zero, 4096, 3, f, -1, 0);",
        "int f = f | 1; L.mmap(IntPtr.Zero, 4096, 3, f, -1, 0);",
        "var f = ; L.mmap(IntPtr.Zero, 4096, 3, f, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, 1 / 0, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, checked(int.MaxValue + 1), -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, 0x21 << 40, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, (int)3.7, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, default, -1, default);",
        "L.mmap(IntPtr.Zero, 4096, 3, null, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, x switch { 1 => 0x21, _ => 0x22 }, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, x is int y ? y : 0x22, -1, 0);",
        "int a = 1; goto L1; L2: a |= 0x20; goto L3; L1: a = 2; goto L2; L3: L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; try { a = 0x21; } catch { a = 0x23; } finally { a |= 0x10; } L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; using (null as IDisposable) { a = 0x21; } L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; foreach (var i in new[] { 1, 2 }) a ^= i; L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; (a, var b) = (0x21, 2); L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; int* p = &a; *p = 0x21; L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int a = 0x22; a++; a--; a += x; L.mmap(IntPtr.Zero, 4096, 3, a, -1, 0);",
        "int? a = null; a ??= 0x21; L.mmap(IntPtr.Zero, 4096, 3, a.Value, -1, 0);",
        "Func<int, IntPtr> f = v => L.mmap(IntPtr.Zero, 4096, 3, v, -1, 0); f(0x21);",
        "L.mmap(IntPtr.Zero, 4096, 3, Cyclic, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, Loop1, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, CycleField, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, nameof(L.mmap).Length, -1, 0);",
        "L.mmap(IntPtr.Zero, 4096, 3, (x > 0 ? (x > 1 ? (x > 2 ? (x > 3 ? (x > 4 ? (x > 5 ? 1 : 2) : 4) : 8) : 16) : 32) : 64) | (x > 6 ? 128 : 256) | (x > 7 ? 512 : 1024) | (x > 8 ? 2048 : 4096), -1, 0);",
    };

    [Theory]
    [MemberData(nameof(BrokenBodies))]
    public async Task Broken_or_odd_bodies_never_throw(string body)
    {
        string source = Binding + """

            static unsafe partial class L
            {
                static int Cyclic => Cyclic2;
                static int Cyclic2 => Cyclic;
                static int Loop1 => Loop1;
                static readonly int CycleField = CycleField2;
                static readonly int CycleField2 = CycleField;
                static void M(int x)
                {
            """ + body + """

                }
            }
            """;
        DirectRun.Result result = await DirectRun.AnalyzeAsync(source);
        Assert.Empty(result.Exceptions);
    }

    public static TheoryData<string> BrokenDeclarations => new()
    {
        "[DllImport(\"libc\")] static extern IntPtr mmap(IntPtr addr, Missing length, int prot, int flags, int fd, long offset);",
        "[DllImport(\"libc\")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd);",
        "[DllImport(\"libc\")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset, int extra);",
        "[DllImport(\"libc\")] static extern IntPtr mmap(params object[] args);",
        "[DllImport(\"libc\")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset = 4096);",
        "[DllImport(\"libc\")] extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);",
        "[DllImport(EntryPoint = \"mmap\")] static extern IntPtr Mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);",
        "[DllImport(\"libc\", EntryPoint = 42)] static extern IntPtr Mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);",
        "[LibraryImport] static partial IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);",
        "[LibraryImport(\"libc\", EntryPoint = null)] static partial IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);",
        "[DllImport(\"libc\")] static extern IntPtr mmap<T>(IntPtr addr, nuint length, int prot, T flags, int fd, long offset);",
        "[DllImport(\"libc\")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, ref int flags, int fd, long offset);",
        "static IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset) => mmap(addr, length, prot, flags, fd, offset);",
    };

    [Theory]
    [MemberData(nameof(BrokenDeclarations))]
    public async Task Broken_declarations_never_throw(string declaration)
    {
        string source = """
            using System;
            using System.Runtime.InteropServices;
            static unsafe partial class B
            {
            """ + declaration + """

                static void M(int x)
                {
                    mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                    mmap(IntPtr.Zero, 4096, 3, 0x21, -1);
                    mmap<int>(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                    Mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                }
            }
            """;
        DirectRun.Result result = await DirectRun.AnalyzeAsync(source);
        Assert.Empty(result.Exceptions);
    }

    [Fact]
    public async Task Calls_in_odd_places_are_analysed_without_throwing()
    {
        string odd = """
            using System;
            using static L;

            var top = mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);

            class Odd
            {
                static readonly IntPtr Field = mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                IntPtr Property => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                IntPtr AutoInit { get; } = mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                Odd() : this(mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0)) { }
                Odd(IntPtr p) { }
                void Default(IntPtr p = default) { }
                event Action E { add => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0); remove { } }
                static IntPtr operator +(Odd o, int flags) => mmap(IntPtr.Zero, 4096, 3, flags | 0x21, -1, 0);
                void Lambdas()
                {
                    Func<IntPtr> f = () => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
                    IntPtr Local() { int fl = 0x21; return mmap(IntPtr.Zero, 4096, 3, fl, -1, 0); }
                    var s = $"{mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0)}";
                    Action<int> g = async x => { await System.Threading.Tasks.Task.Yield(); int fl = 0x21; mmap(IntPtr.Zero, 4096, 3, fl, -1, 0); };
                    System.Collections.Generic.IEnumerable<IntPtr> It() { int fl = 0x21; yield return mmap(IntPtr.Zero, 4096, 3, fl, -1, 0); }
                }
            }
            """;
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[] { Binding, odd });
        Assert.Empty(result.Exceptions);

        // All 12 calls are seen, whatever they sit in: 11 report MMAP002; the operator's flags depend on a parameter.
        Assert.Equal(11, result.Diagnostics.Count(d => d.Id == "MMAP002"));
    }

    public static TheoryData<string> AttributeArguments => new()
    {
        // Found by the fuzzer (seed 20261127, case 8762): binding this attribute argument makes Roslyn's own binder
        // throw a NullReferenceException (a ref to a readonly field where no member contains the attribute).
        "[A((long)L.mmap(ref IntPtr.Zero, 0, 3",
        "[A((long)L.mmap(ref IntPtr.Zero, 0, 3, 0x11, -1, 0))] class C { }",
        "[A((long)L.mmap(IntPtr.Zero, 4096, 3, 0x11, -1, 0))] class C { }",
        "class C { [A((long)L.mmap(IntPtr.Zero, 4096, 3, 0x11, -1, 0))] void M() { } }",
        "class C { void M([A((long)L.mmap(ref IntPtr.Zero, 4096, 3, 0x11, -1, 0))] int p) { } }",
        "[assembly: A((long)L.mmap(ref IntPtr.Zero, 4096, 3, 0x11, -1, 0))]",
        "[A((long)L.\\u006Dmap(ref IntPtr.Zero, 4096, 3, 0x11, -1, 0))] class C { }",
        "[A((long)((Func<IntPtr>)(() => { return L.mmap(ref IntPtr.Zero, 4096, 3, 0x11, -1, 0); }))())] class C { }",
    };

    [Theory]
    [MemberData(nameof(AttributeArguments))]
    public async Task Calls_in_attribute_arguments_never_run_and_are_not_bound(string source)
    {
        // An attribute argument must be a constant (CS0182): a call there never runs, so there is nothing to report.
        // Nullable analysis is on: Roslyn's crash sits in the nullable rebinding of the attribute.
        string prologue = "#nullable enable\nusing System;\nclass A : Attribute { public A(long x) { } }\n";
        DirectRun.Result result = await DirectRun.AnalyzeAsync(new[] { Binding, prologue + source });
        Assert.Empty(result.Exceptions);
        Assert.Empty(result.Diagnostics.Where(d => d.Id.StartsWith("MMAP", System.StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Unreadable_references_are_skipped_and_the_rest_is_analysed()
    {
        // The analyzer reads referenced assemblies' P/Invoke tables: a reference that is not an assembly must cost
        // nothing but that assembly (the compiler reports it: CS0009).
        MetadataReference garbage = MetadataReference.CreateFromImage(new byte[] { 0x4D, 0x5A, 1, 2, 3 });
        string textFile = System.IO.Path.GetTempFileName();
        System.IO.File.WriteAllText(textFile, "not an assembly");
        MetadataReference text = MetadataReference.CreateFromFile(textFile);
        DirectRun.Result result = await DirectRun.AnalyzeAsync(Binding + """

            static partial class L
            {
                static void M() => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
            }
            """, garbage, text);
        System.IO.File.Delete(textFile);
        Assert.Empty(result.Exceptions);
        Assert.Contains(result.Diagnostics, d => d.Id == "MMAP002");
    }

    [Fact]
    public async Task A_compilation_without_mmap_registers_nothing_after_compilation_start()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync("""
            using System;
            using System.Runtime.InteropServices;
            static class Other
            {
                [DllImport("libc")] static extern int getpid();
                static void M() => getpid();
            }
            """);
        Assert.Empty(result.Exceptions);
        Assert.Equal(1, result.Telemetry.CompilationStartActionsCount);
        Assert.Equal(0, result.Telemetry.OperationActionsCount);
        Assert.Equal(0, result.Telemetry.SymbolActionsCount);
        Assert.Equal(0, result.Telemetry.SyntaxNodeActionsCount);
        Assert.Equal(0, result.Telemetry.SemanticModelActionsCount);
    }

    [Fact]
    public async Task A_compilation_with_mmap_registers_one_per_file_action_and_no_per_node_action()
    {
        DirectRun.Result result = await DirectRun.AnalyzeAsync(Binding);
        Assert.Equal(1, result.Telemetry.SemanticModelActionsCount);
        Assert.Equal(0, result.Telemetry.SyntaxNodeActionsCount);
        Assert.Equal(0, result.Telemetry.OperationActionsCount);
    }
}
