// The report file reader shared by the child-process helper, the test platform extension and the VSTest logger.
using System.IO;
using CheckedMmap.Testing;
using Xunit;

namespace CheckedMmap.Tests;

public class ReportFileRecordsTests
{
    [Fact]
    public void Reads_every_whole_report_and_skips_cut_and_foreign_lines()
    {
        string path = Path.Combine(Path.GetTempPath(), "checkedmmap-records-" + System.Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            File.WriteAllLines(path, new[]
            {
                """{"category":"leak","kind":"leak","summary":"8192 bytes leaked","endsProcess":true,"tests":["Suite.A.First","Suite.A.Second"],"printedTo":"pipe:[4026]","report":"==CheckedMmap== ERROR: leak\nSUMMARY: x"}""",
                "",
                """{"category":"undefined-behavior","kind":"double munmap","summary":"s","endsProcess":false,"report":"r"}""",
                "[1, 2]",
                """{"category":"fault","kind":"buffer overflow","summ""",
            });

            var records = ReportFileRecords.Read(path);

            Assert.Equal(2, records.Count);
            Assert.Equal("leak", records[0].Category);
            Assert.True(records[0].EndsProcess);
            Assert.Equal("8192 bytes leaked", records[0].Summary);
            Assert.Equal("==CheckedMmap== ERROR: leak\nSUMMARY: x", records[0].Text);
            Assert.Equal("pipe:[4026]", records[0].PrintedTo);
            Assert.Null(records[1].PrintedTo);
            Assert.Equal(new[] { "Suite.A.First", "Suite.A.Second" }, records[0].Tests);
            Assert.Empty(records[1].Tests);
            Assert.Equal("double munmap", records[1].Kind);
            Assert.False(records[1].EndsProcess);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_has_no_reports()
    {
        Assert.Empty(ReportFileRecords.Read(Path.Combine(Path.GetTempPath(), "checkedmmap-no-such-file-" + System.Guid.NewGuid().ToString("N"))));
    }
}
