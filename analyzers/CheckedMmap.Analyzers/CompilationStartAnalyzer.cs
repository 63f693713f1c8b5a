using Microsoft.CodeAnalysis.Diagnostics;

namespace CheckedMmap.Analyzers
{
    /// <summary>
    /// How every analyzer of the package starts: concurrent, and everything decided at compilation start, where a
    /// compilation with nothing to look at registers nothing. Generated files are not analyzed (no Analyze flag);
    /// ReportDiagnostics spares every report the driver's generated-code check, which walks the whole file on its first
    /// report there: the reports are all in hand-written files, and the finer cases (<c>#line hidden</c>,
    /// <c>[GeneratedCode]</c> members) are checked by each analyzer for its few calls, in files whose text can hold them.
    /// </summary>
    public abstract class CompilationStartAnalyzer : DiagnosticAnalyzer
    {
        public sealed override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.ReportDiagnostics);
            context.RegisterCompilationStartAction(OnCompilationStart);
        }

        /// <summary>Decides whether the compilation has anything to analyze, and registers the actions that do.</summary>
        protected abstract void OnCompilationStart(CompilationStartAnalysisContext context);
    }
}
