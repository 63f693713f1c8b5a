using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Contract;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>What the numbers of one mmap call mean: the binding's constant table and the target OS.</summary>
    internal sealed class EvaluationScope
    {
        public EvaluationScope(MmapConstants constants, TargetOS target, KnownBindings known, SemanticModelProvider models)
        {
            Constants = constants;
            Target = target;
            TargetConstants = MmapConstants.For(target);
            Known = known;
            Models = models;
        }

        /// <summary>The numbers the call's arguments are written in (Linux for Mono.Posix and Tmds.LibC).</summary>
        public MmapConstants Constants { get; }

        public TargetOS Target { get; }

        public MmapConstants TargetConstants { get; }

        public KnownBindings Known { get; }

        public SemanticModelProvider Models { get; }
    }

    /// <summary>Where the value of a local or parameter (or a control-flow-graph capture) at a given reference comes from.</summary>
    internal interface ILocalValueSource
    {
        ValueSet ValueOf(Microsoft.CodeAnalysis.Operations.ILocalReferenceOperation reference);

        ValueSet ValueOf(Microsoft.CodeAnalysis.Operations.IParameterReferenceOperation reference);

        ValueSet ValueOf(Microsoft.CodeAnalysis.FlowAnalysis.IFlowCaptureReferenceOperation capture);
    }
}
