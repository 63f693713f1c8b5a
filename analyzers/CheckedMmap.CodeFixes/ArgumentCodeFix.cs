using System.Collections.Immutable;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// A fix that replaces the one mmap argument a diagnostic is reported on. Subclasses say what to write instead,
    /// or null when no spelling is certain (then no fix is offered).
    /// </summary>
    public abstract class ArgumentCodeFix : CodeFixProvider
    {
        private readonly string _title;
        private readonly string _equivalenceKey;

        private protected ArgumentCodeFix(string ruleId, string title, string equivalenceKey)
        {
            FixableDiagnosticIds = ImmutableArray.Create(ruleId);
            _title = title;
            _equivalenceKey = equivalenceKey;
        }

        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        public sealed override FixAllProvider GetFixAllProvider() => EveryDiagnosticFixAll.For(this);

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (!Applies(diagnostic))
                {
                    continue;
                }

                var found = await ArgumentFixes.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
                if (found is not { } argument || !ArgumentFixes.ReachesBindingUnchanged(argument.Operation, argument.Model, context.CancellationToken))
                {
                    continue;
                }

                // A local or field: fix the value where it is defined, so no assignment is left unused (CS0219).
                ArgumentFixes.Target? target = ArgumentFixes.TargetOf(argument.Syntax, argument.Operation, argument.Model, context.CancellationToken);
                if (target is null)
                {
                    continue;
                }

                ExpressionSyntax? replacement = Replacement(target.Expression, target.Value, target.Type, argument.Model);
                if (replacement is null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(_title, ct => ArgumentFixes.ReplaceAsync(context.Document, target.Expression, replacement, ct), equivalenceKey: _equivalenceKey),
                    diagnostic);
            }
        }

        /// <summary>Whether the fix suits <paramref name="diagnostic"/> at all (default: every one of its rule).</summary>
        private protected virtual bool Applies(Diagnostic diagnostic) => true;

        /// <summary>What to write instead of <paramref name="expression"/> (the argument, or the definition of the local or field it reads), of type <paramref name="type"/>.</summary>
        private protected abstract ExpressionSyntax? Replacement(ExpressionSyntax expression, IOperation value, ITypeSymbol type, SemanticModel model);
    }
}
