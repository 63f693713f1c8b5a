using System.Threading.Tasks;
using CheckedMmap.Analyzers.Configuration;
using CheckedMmap.Analyzers.Rules;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP015: a checkedmmap.target_os the analyzer does not know is reported in each file whose mmap calls it leaves read for another OS.</summary>
public class SettingsAnalyzerTests
{
    private const string Mapper = """
        using System;
        using System.Runtime.InteropServices;

        static class Mapper
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            static IntPtr Map() => {|#0:mmap|}(IntPtr.Zero, 4096, 3, 0x1002, -1, 0);
        }
        """;

    private const string Unrelated = """
        static class Unrelated
        {
            static int Add(int a, int b) => a + b;
        }
        """;

    private static CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> Test(string? editorConfig, string? globalConfig, params string[] sources)
    {
        var test = new CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> { ReferenceAssemblies = new ReferenceAssemblies("net8.0") };
        test.TestState.AdditionalReferences.AddRange(Basic.Reference.Assemblies.Net80.References.All);
        foreach (string source in sources)
        {
            test.TestState.Sources.Add(source);
        }
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*.cs]\n" + editorConfig + "\n"));
        }

        if (globalConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", "is_global = true\n" + globalConfig + "\n"));
        }

        return test;
    }

    private static DiagnosticResult Unknown(string value, string readAs) =>
        new DiagnosticResult(SettingRule.UnknownTargetOs).WithLocation(0).WithArguments(value, readAs);

    [Fact]
    public Task A_typo_is_reported_on_the_first_mmap_call_of_each_file_that_has_one()
    {
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test("checkedmmap.target_os = mac", null, Mapper, Unrelated);
        test.ExpectedDiagnostics.Add(Unknown("mac", "Linux"));
        return test.RunAsync();
    }

    [Fact]
    public Task The_message_names_the_os_the_next_source_chose()
    {
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test("checkedmmap.target_os = apple", "build_property.RuntimeIdentifier = osx-arm64", Mapper);
        test.ExpectedDiagnostics.Add(Unknown("apple", "macOS"));
        return test.RunAsync();
    }

    [Fact]
    public Task A_typo_in_a_global_config_is_reported_too()
    {
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test(null, "checkedmmap.target_os = bsd\nbuild_property.CheckedMmapTargetOS = freebsd", Mapper);
        test.ExpectedDiagnostics.Add(Unknown("bsd", "FreeBSD"));
        return test.RunAsync();
    }

    [Fact]
    public Task A_call_through_a_renamed_binding_counts_and_a_file_naming_mmap_only_in_comments_does_not()
    {
        const string Renamed = """
            using System;
            using System.Runtime.InteropServices;

            static class Pages
            {
                [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                static IntPtr Page() => {|#0:Map|}(IntPtr.Zero, 4096, 3, 0x1002, -1, 0);
            }
            """;
        const string Commented = """
            // Maps nothing itself: Pages.Page calls mmap.
            static class Notes { }
            """;
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test("checkedmmap.target_os = mac", null, Renamed, Commented);
        test.ExpectedDiagnostics.Add(Unknown("mac", "Linux"));
        return test.RunAsync();
    }

    [Fact]
    public Task A_file_that_calls_only_madvise_or_creates_a_constructor_wrapper_is_reported_there()
    {
        const string Advice = """
            using System;
            using System.Runtime.InteropServices;

            static class Advice
            {
                [DllImport("libc")] public static extern int madvise(IntPtr addr, nuint length, int advice);

                static void Hint(IntPtr p) => {|#0:madvise|}(p, 4096, 3);
            }
            """;
        const string Region = """
            using System;
            using System.Runtime.InteropServices;

            public class Region(nuint size, int flags)
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                public readonly IntPtr Address = mmap(IntPtr.Zero, size, 3, flags, -1, 0);
            }
            """;
        const string Creator = """
            static class Creator
            {
                static Region Make() => new {|#1:Region|}(4096, 0x1002);
            }
            """;
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test("checkedmmap.target_os = mac", null, Advice, Region, Creator);
        test.TestState.ExpectedDiagnostics.Add(Unknown("mac", "Linux"));
        test.TestState.ExpectedDiagnostics.Add(new DiagnosticResult(SettingRule.UnknownTargetOs).WithLocation(1).WithArguments("mac", "Linux"));
        test.TestState.ExpectedDiagnostics.Add(new DiagnosticResult(SettingRule.UnknownTargetOs).WithSpan("/0/Test1.cs", 8, 38, 8, 42).WithArguments("mac", "Linux"));
        return test.RunAsync();
    }

    [Fact]
    public Task A_type_still_without_its_name_is_no_name_to_search_for()
    {
        const string Typing = """
            using System;
            using System.Runtime.InteropServices;

            class (nuint size, int flags)
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                readonly IntPtr _p = {|#0:mmap|}(IntPtr.Zero, size, 3, flags, -1, 0);
            }
            """;
        CSharpAnalyzerTest<SettingsAnalyzer, DefaultVerifier> test = Test("checkedmmap.target_os = mac", null, Typing);
        test.CompilerDiagnostics = CompilerDiagnostics.None;
        test.ExpectedDiagnostics.Add(Unknown("mac", "Linux"));
        return test.RunAsync();
    }

    [Theory]
    [InlineData("linux")]
    [InlineData(" MacOS ")]
    [InlineData("osx")]
    [InlineData("Darwin")]
    [InlineData("FREEBSD")]
    public Task Every_known_name_is_silent(string value) => Test("checkedmmap.target_os = " + value, null, Mapper.Replace("{|#0:mmap|}", "mmap")).RunAsync();

    [Fact]
    public Task A_compilation_that_never_names_mmap_is_silent_whatever_the_setting() => Test("checkedmmap.target_os = mac", null, Unrelated).RunAsync();
}
