using System;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Decides platform checks for the target OS, so that <c>OperatingSystem.IsLinux() ? 0x22 : 0x1002</c> is read as
    /// the branch the target runs instead of "may be either".
    /// </summary>
    internal static partial class OsConditions
    {
        private const int MaxFollowed = 4;

        /// <summary>
        /// What <c>Environment.OSVersion.Platform</c> is on every target OS: <c>PlatformID.Unix</c> (4). .NET reports Unix
        /// on Linux, macOS and FreeBSD alike (never <c>MacOSX</c>), so the old idiom
        /// <c>Platform == PlatformID.MacOSX ? … : …</c> takes its other branch everywhere.
        /// </summary>
        public const long PlatformIdOnTarget = 4;

        /// <summary>Whether <paramref name="property"/> reads <c>Environment.OSVersion.Platform</c>.</summary>
        public static bool IsPlatformId(IPropertyReferenceOperation property) =>
            property.Property is { Name: "Platform", ContainingType: { Name: "OperatingSystem", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } }
            && property.Instance is IPropertyReferenceOperation { Property: { Name: "OSVersion", IsStatic: true, ContainingType: { Name: "Environment", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } };

        /// <summary>
        /// True/false when the condition is decided by the target OS: direct <c>OperatingSystem.IsX()</c> and
        /// <c>RuntimeInformation.IsOSPlatform</c> calls, and the one-line helpers, properties and <c>static readonly bool</c>
        /// fields in source that wrap them (<c>Polyfills.IsLinux()</c>, <c>IsMacOSX</c>); null when it is not.
        /// </summary>
        /// <remarks><paramref name="captured"/> gives, in a control flow graph, the value a flow capture holds: a
        /// <c>switch (OperatingSystem.IsMacOS())</c> compares a capture of the check with each case.</remarks>
        public static bool? Evaluate(IOperation? condition, TargetOS target, SemanticModelProvider? models = null, Func<CaptureId, IOperation?>? captured = null) =>
            Evaluate(condition, target, models, 0, captured);

        private static bool? Evaluate(IOperation? condition, TargetOS target, SemanticModelProvider? models, int depth, Func<CaptureId, IOperation?>? captured = null)
        {
            switch (condition)
            {
                case null:
                    return null;
                case IFlowCaptureReferenceOperation capture when captured is not null && depth < MaxFollowed:
                    return Evaluate(captured(capture.Id), target, models, depth + 1, captured);
                case IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue: { HasValue: true, Value: bool expected } } } isPattern:
                    return Evaluate(isPattern.Value, target, models, depth, captured) is bool actual ? actual == expected : null;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } comparison
                    when BoolConstant(comparison.RightOperand) is bool || BoolConstant(comparison.LeftOperand) is bool:
                    {
                        bool rightIsConstant = BoolConstant(comparison.RightOperand) is bool;
                        bool expected = (rightIsConstant ? BoolConstant(comparison.RightOperand) : BoolConstant(comparison.LeftOperand))!.Value;
                        bool? checkedValue = Evaluate(rightIsConstant ? comparison.LeftOperand : comparison.RightOperand, target, models, depth, captured);
                        return checkedValue is null ? null : (checkedValue == expected) == (comparison.OperatorKind == BinaryOperatorKind.Equals);
                    }

                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals, OperatorMethod: null } comparison
                    when PlatformIdComparedWith(comparison) is long platformId:
                    // Environment.OSVersion.Platform == PlatformID.MacOSX: Unix on every target.
                    return (platformId == PlatformIdOnTarget) == (comparison.OperatorKind == BinaryOperatorKind.Equals);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                    return !Evaluate(not.Operand, target, models, depth, captured);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd, OperatorMethod: null } and:
                    {
                        bool? l = Evaluate(and.LeftOperand, target, models, depth, captured);
                        bool? r = Evaluate(and.RightOperand, target, models, depth, captured);
                        return l == false || r == false ? false : l == true && r == true ? true : null;
                    }

                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr, OperatorMethod: null } or:
                    {
                        bool? l = Evaluate(or.LeftOperand, target, models, depth, captured);
                        bool? r = Evaluate(or.RightOperand, target, models, depth, captured);
                        return l == true || r == true ? true : l == false && r == false ? false : null;
                    }

                case IInvocationOperation invocation:
                    return EvaluateInvocation(invocation, target, models)
                        ?? (invocation.Arguments.Length == 0 && invocation.Instance is null ? Follow(invocation.TargetMethod, condition, target, models, depth) : null);
                case IPropertyReferenceOperation { Property: { IsStatic: true, Parameters.Length: 0 } property }
                    when !ValueEvaluator.MayBeAssignedByStaticConstructor(property):
                    return Follow(property, condition, target, models, depth);
                case ICoalesceAssignmentOperation { Target: IFieldReferenceOperation { Field: { } cache } } cached when IsOnlyWrittenBy(cache, cached):
                    // s_mac ??= OperatingSystem.IsMacOS(): the cache only ever holds the check.
                    return Evaluate(cached.Value, target, models, depth, captured);
                case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true, Type.SpecialType: SpecialType.System_Boolean } field }
                    when !ValueEvaluator.HasExplicitStaticConstructor(field.ContainingType):
                    return Follow(field, condition, target, models, depth);
                case ILocalReferenceOperation { Local.Type.SpecialType: SpecialType.System_Boolean } local when depth < MaxFollowed:
                    // bool mac = OperatingSystem.IsMacOS(); if (mac) …: a local whose initializer is its only write holds the check.
                    return Binding.WrapperLocals.InitializerOf(local.Local, local) is { } initializer
                        ? Evaluate(initializer, target, models, depth + 1, captured)
                        : null;
                default:
                    return condition.ConstantValue.HasValue && condition.ConstantValue.Value is bool b ? b : null;
            }
        }

        /// <summary>The constant an <c>Environment.OSVersion.Platform</c> read is compared with; null for any other comparison.</summary>
        private static long? PlatformIdComparedWith(IBinaryOperation comparison)
        {
            IOperation left = OperationWalk.Unconverted(comparison.LeftOperand)!, right = OperationWalk.Unconverted(comparison.RightOperand)!;
            (IOperation platform, IOperation other) = left is IPropertyReferenceOperation ? (left, comparison.RightOperand) : (right, comparison.LeftOperand);
            return platform is IPropertyReferenceOperation property && IsPlatformId(property)
                && other.ConstantValue is { HasValue: true } constant && IntegerConversions.FromConstant(constant.Value) is long value
                ? value
                : null;
        }

        /// <summary>
        /// Whether a private field with no initializer is written nowhere but by <paramref name="write"/> (no other assignment,
        /// no <c>ref</c>/<c>out</c>/<c>&amp;</c> use in its type's source).
        /// </summary>
        private static bool IsOnlyWrittenBy(IFieldSymbol field, ICoalesceAssignmentOperation write)
        {
            if (field.DeclaredAccessibility != Accessibility.Private || field.ContainingType is not { } type
                || field.DeclaringSyntaxReferences.Length != 1 || field.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer: not null })
            {
                return false;
            }

            foreach (SyntaxReference declaration in type.DeclaringSyntaxReferences)
            {
                foreach (SyntaxNode node in declaration.GetSyntax().DescendantNodes())
                {
                    if (node is not IdentifierNameSyntax { Identifier.ValueText: { } name } identifier || name != field.Name)
                    {
                        continue;
                    }

                    SyntaxNode use = identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier ? access : identifier;
                    bool written = use.Parent switch
                    {
                        AssignmentExpressionSyntax assignment => assignment.Left == use && assignment != write.Syntax,
                        ArgumentSyntax argument => Binding.CallNames.LetsCalleeWrite(argument),
                        PrefixUnaryExpressionSyntax prefix => prefix.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.AddressOfExpression)
                            || prefix.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PreIncrementExpression) || prefix.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PreDecrementExpression),
                        PostfixUnaryExpressionSyntax => true,
                        _ => false,
                    };
                    if (written)
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private static bool? BoolConstant(IOperation operation) =>
            operation.ConstantValue.HasValue && operation.ConstantValue.Value is bool b ? b : null;

        /// <summary>The one expression a member in source stands for (its arrow body, single return or initializer), evaluated in turn.</summary>
        private static bool? Follow(ISymbol member, IOperation use, TargetOS target, SemanticModelProvider? models, int depth)
        {
            if (depth >= MaxFollowed || member.DeclaringSyntaxReferences.Length != 1)
            {
                return null;
            }

            SyntaxReference reference = member.DeclaringSyntaxReferences[0];
            ExpressionSyntax? expression = reference.GetSyntax() switch
            {
                MethodDeclarationSyntax method when method.ParameterList.Parameters.Count == 0 =>
                    method.ExpressionBody?.Expression
                    ?? (method.Body is { Statements.Count: 1 } body && body.Statements[0] is ReturnStatementSyntax ret ? ret.Expression : null),
                PropertyDeclarationSyntax or VariableDeclaratorSyntax => ValueEvaluator.GetInitializerExpression(reference.GetSyntax()),
                _ => null,
            };

            return OperationOf(expression, reference, use, models) is { } operation ? Evaluate(operation, target, models, depth + 1) : null;
        }

        /// <summary>The operation of an expression declared at <paramref name="reference"/>, read where <paramref name="use"/> is.</summary>
        private static IOperation? OperationOf(ExpressionSyntax? expression, SyntaxReference reference, IOperation use, SemanticModelProvider? models)
        {
            SemanticModel? model = expression is null ? null
                : use.SemanticModel?.SyntaxTree == reference.SyntaxTree ? use.SemanticModel
                : models?.Get(reference.SyntaxTree, use.SemanticModel);
            return model?.GetOperation(expression!);
        }

        /// <summary>
        /// The name an <c>OSPlatform</c> stands for, upper case as the runtime compares it: <c>OSPlatform.OSX</c>,
        /// <c>OSPlatform.Create("FREEBSD")</c> (how netstandard2.0 code names FreeBSD), or a <c>static readonly</c> field
        /// holding either; null for anything else.
        /// </summary>
        private static string? PlatformName(IOperation value, SemanticModelProvider? models, int depth)
        {
            switch (value)
            {
                case IPropertyReferenceOperation { Property: { IsStatic: true } platform } when IsOSPlatformType(platform.ContainingType):
                    return platform.Name.ToUpperInvariant();
                case IInvocationOperation { TargetMethod: { Name: "Create", IsStatic: true } create, Arguments.Length: 1 } call
                    when IsOSPlatformType(create.ContainingType) && call.Arguments[0].Value.ConstantValue is { HasValue: true, Value: string name }:
                    return name.ToUpperInvariant();
                case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } field }
                    when depth < MaxFollowed && IsOSPlatformType(field.Type) && !ValueEvaluator.HasExplicitStaticConstructor(field.ContainingType)
                        && field.DeclaringSyntaxReferences.Length == 1:
                {
                    SyntaxReference reference = field.DeclaringSyntaxReferences[0];
                    ExpressionSyntax? initializer = ValueEvaluator.GetInitializerExpression(reference.GetSyntax());
                    return OperationOf(initializer, reference, value, models) is { } operation ? PlatformName(operation, models, depth + 1) : null;
                }

                case IConversionOperation { OperatorMethod: null } conversion:
                    return PlatformName(conversion.Operand, models, depth);
                default:
                    return null;
            }
        }

        private static bool IsOSPlatformType(ITypeSymbol? type) =>
            type is { Name: "OSPlatform", ContainingNamespace: { Name: "InteropServices", ContainingNamespace: { Name: "Runtime", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } };

        private static bool? EvaluateInvocation(IInvocationOperation invocation, TargetOS target, SemanticModelProvider? models)
        {
            IMethodSymbol method = invocation.TargetMethod;
            string? container = method.ContainingType?.ToDisplayString();
            if (container == "System.OperatingSystem" && invocation.Arguments.Length == 0)
            {
                switch (method.Name)
                {
                    case "IsLinux":
                        return target == TargetOS.Linux;
                    case "IsMacOS":
                    case "IsMacCatalyst":
                        return target == TargetOS.MacOS;
                    case "IsFreeBSD":
                        return target == TargetOS.FreeBSD;
                    case "IsWindows":
                    case "IsBrowser":
                    case "IsWasi":
                        return false;

                    // An Android app builds for the Linux target (its runtime identifiers map there), and Mac Catalyst,
                    // for which IsIOS() holds, for the macOS one: each is undecided there and false under the others.
                    case "IsAndroid":
                        return target == TargetOS.Linux ? null : false;
                    case "IsIOS":
                    case "IsTvOS":
                    case "IsWatchOS":
                        return target == TargetOS.MacOS ? null : false;
                    default:
                        return null;
                }
            }

            if (container == "System.Runtime.InteropServices.RuntimeInformation" && method.Name == "IsOSPlatform"
                && invocation.Arguments.Length == 1)
            {
                switch (PlatformName(invocation.Arguments[0].Value, models, 0))
                {
                    case "LINUX":
                        return target == TargetOS.Linux;
                    case "OSX":
                    case "MACOS":
                        return target == TargetOS.MacOS;
                    case "FREEBSD":
                        return target == TargetOS.FreeBSD;
                    case "WINDOWS":
                        return false;
                }
            }

            return null;
        }
    }
}
