using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Xunit;
using static CheckedMmap.Analyzers.Tests.Infrastructure.Verify;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>The public surface: IDs, severities, help links, release tracking, docs pages, configuration.</summary>
public class DescriptorTests
{
    private static readonly string[] RuleIdList =
    {
        RuleIds.MapFixed, RuleIds.MapShared, RuleIds.FileBacked, RuleIds.Protection, RuleIds.Flags, RuleIds.Offset, RuleIds.AlwaysEinval,
    };

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Analyzers.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Every_rule_id_has_a_descriptor_and_every_descriptor_a_known_id()
    {
        var ids = new MmapAnalyzer().SupportedDiagnostics.Select(d => d.Id).Distinct().OrderBy(x => x).ToArray();
        Assert.Equal(RuleIdList.OrderBy(x => x), ids);
    }

    [Fact]
    public void Every_descriptor_links_to_its_docs_page_and_is_a_warning()
    {
        foreach (DiagnosticDescriptor d in new MmapAnalyzer().SupportedDiagnostics)
        {
            Assert.Equal($"https://github.com/checkedmmap/checkedmmap/blob/main/docs/rules/{d.Id}.md", d.HelpLinkUri);
            Assert.Equal(DiagnosticSeverity.Warning, d.DefaultSeverity);
            Assert.True(d.IsEnabledByDefault);
            Assert.Equal(RuleDescriptors.Category, d.Category);
            Assert.False(string.IsNullOrWhiteSpace(d.Title.ToString()));
            Assert.False(string.IsNullOrWhiteSpace(d.Description.ToString()));
        }
    }

    [Fact]
    public void Every_rule_has_a_docs_page_a_readme_row_and_a_release_entry()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string releases = File.ReadAllText(Path.Combine(root, "analyzers", "CheckedMmap.Analyzers", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(Path.Combine(root, "analyzers", "CheckedMmap.Analyzers", "AnalyzerReleases.Unshipped.md"));
        foreach (string id in RuleIdList)
        {
            string page = Path.Combine(root, "docs", "rules", id + ".md");
            Assert.True(File.Exists(page), page);
            string text = File.ReadAllText(page);
            Assert.StartsWith("# " + id, text);
            Assert.Contains("dotnet_diagnostic." + id + ".severity", text);
            Assert.Contains($"(docs/rules/{id}.md)", readme);
            Assert.Contains(id + " | CheckedMmap |", releases);
        }
    }

    [Fact]
    public async Task Every_check_of_the_contract_table_is_reported_by_its_rule_with_its_text()
    {
        // One bad call per row of MmapChecks.MmapOrder (Miri's order): the rule the table names reports it, quoting the table's text.
        string BadCall(MmapCheck check) => check switch
        {
            MmapCheck.PrivateXorShared => "mmap(IntPtr.Zero, 4096, 3, 0x20, -1, 0);",
            MmapCheck.NonZeroLength => "mmap(IntPtr.Zero, 0, 3, 0x22, -1, 0);",
            MmapCheck.AnonymousFd => "mmap(IntPtr.Zero, 4096, 3, 0x02, 3, 0);",
            MmapCheck.NoMapFixed => "mmap(IntPtr.Zero, 4096, 3, 0x32, -1, 0);",
            MmapCheck.ReadWriteProtection => "mmap(IntPtr.Zero, 4096, 1, 0x22, -1, 0);",
            MmapCheck.PrivateAnonymousFlags => "mmap(IntPtr.Zero, 4096, 3, 0x8022, -1, 0);",
            MmapCheck.ZeroOffset => "mmap(IntPtr.Zero, 4096, 3, 0x22, -1, 4096);",
            MmapCheck.RoundableLength => "mmap(IntPtr.Zero, ulong.MaxValue - 1, 3, 0x22, -1, 0);",
            _ => throw new ArgumentOutOfRangeException(nameof(check)),
        };

        foreach (MmapCheckInfo row in MmapChecks.MmapOrder)
        {
            DirectRun.Result result = await DirectRun.AnalyzeAsync($$"""
                using System;
                using System.Runtime.InteropServices;
                static class P
                {
                    [DllImport("libc")] static extern IntPtr mmap(IntPtr a, ulong l, int p, int f, int fd, long o);
                    static void M() { {{BadCall(row.Check)}} }
                }
                """);
            Assert.Empty(result.Exceptions);
            Assert.Contains(result.Diagnostics, d => d.Id == row.RuleId && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(row.Message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public Task Severity_none_in_editorconfig_silences_a_rule() => Libc(
        Call(flags: "{|MMAP002:MAP_SHARED | MAP_ANONYMOUS|}", prot: "PROT_READ"))
        .WithEditorConfig("dotnet_diagnostic.MMAP004.severity = none")
        .RunAsync();

    [Fact]
    public async Task Severity_can_be_raised_to_error()
    {
        string source = """
            using System;
            using System.Runtime.InteropServices;
            static class P
            {
                [DllImport("libc")] static extern IntPtr mmap(IntPtr a, ulong l, int p, int f, int fd, long o);
                static void M() => mmap(IntPtr.Zero, 4096, 3, 0x21, -1, 0);
            }
            """;
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "Severity",
            new[] { Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source) },
            Basic.Reference.Assemblies.Net80.References.All,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
                .WithSpecificDiagnosticOptions(new[] { new System.Collections.Generic.KeyValuePair<string, ReportDiagnostic>("MMAP002", ReportDiagnostic.Error) }));
        var diagnostics = await compilation.WithAnalyzers(System.Collections.Immutable.ImmutableArray.Create<Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer>(new MmapAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("MMAP002", d.Id);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
    }

    [Fact]
    public Task Pragma_and_attribute_suppressions_work()
    {
        MmapAnalyzerTest test = Libc("""

        #pragma warning disable MMAP002

        """ + Call(flags: "MAP_SHARED | MAP_ANONYMOUS") + """

        #pragma warning restore MMAP002

        """ + Call(flags: "{|MMAP002:MAP_SHARED | MAP_ANONYMOUS|}") + """

            }
            [System.Diagnostics.CodeAnalysis.SuppressMessage("CheckedMmap", "MMAP003:mmap of a file descriptor", Justification = "fbdev needs the device fd")]
            void Framebuffer()
            {
        """ + Call(fd: "0"));

        // The file restores the warning itself, so the framework's own "whole file under #pragma disable" pass does not apply.
        test.TestBehaviors |= TestBehaviors.SkipSuppressionCheck;
        return test.RunAsync();
    }
}
