using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace CheckedMmap.CodeFixes
{
    /// <summary>The diagnostics a Fix All covers, for fixes that edit several documents at once.</summary>
    internal static class FixAllDiagnostics
    {
        public static async Task<IReadOnlyList<Diagnostic>> GetAsync(FixAllContext context)
        {
            var all = new List<Diagnostic>();
            switch (context.Scope)
            {
                case FixAllScope.Project:
                    all.AddRange(await context.GetAllDiagnosticsAsync(context.Project).ConfigureAwait(false));
                    break;
                case FixAllScope.Solution:
                    foreach (Project project in context.Solution.Projects)
                    {
                        all.AddRange(await context.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                    }

                    break;
                default:
                    if (context.Document is { } document)
                    {
                        ImmutableArray<Diagnostic> found = await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
                        all.AddRange(found);
                    }

                    break;
            }

            return all;
        }
    }
}
