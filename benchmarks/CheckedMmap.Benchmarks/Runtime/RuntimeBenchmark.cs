using CheckedMmap.Benchmarks.Harness;

namespace CheckedMmap.Benchmarks.Runtime
{
    internal static class RuntimeBenchmark
    {
        public static void Run(Report report, bool quick)
        {
            _ = quick;
            report.Paragraph("runtime: not yet");
        }
    }
}
