using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// Adopting the checked runtime from a libc binding's declaration (mmap, munmap, mremap, mprotect, madvise), in a
    /// compilation that references CheckedMmap: no diagnostic is needed, the declaration itself offers it.
    /// </summary>
    [ExportCodeRefactoringProvider(LanguageNames.CSharp, Name = nameof(AdoptCheckedRuntimeRefactoring)), Shared]
    public sealed class AdoptCheckedRuntimeRefactoring : CodeRefactoringProvider
    {
        public override async Task ComputeRefactoringsAsync(CodeRefactoringContext context)
        {
            if (await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false) is not { } root
                || root.FindNode(context.Span, getInnermostNodeForTie: true).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { Parent: TypeDeclarationSyntax type } declaration
                || await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false) is not { } model
                || !CheckedRuntimeAdoption.IsAvailable(model.Compilation))
            {
                return;
            }

            foreach ((MethodDeclarationSyntax binding, IMethodSymbol _, string _) in CheckedRuntimeAdoption.Bindings(type, model, context.CancellationToken))
            {
                if (binding == declaration)
                {
                    Solution solution = context.Document.Project.Solution;
                    context.RegisterRefactoring(CodeAction.Create(
                        CheckedRuntimeAdoption.Title,
                        ct => CheckedRuntimeAdoption.AdoptAsync(solution, new[] { (context.Document.Id, type.Identifier.Span) }, ct),
                        nameof(AdoptCheckedRuntimeRefactoring)));
                    return;
                }
            }
        }
    }
}
