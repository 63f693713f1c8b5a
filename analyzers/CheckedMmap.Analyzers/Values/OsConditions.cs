using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Decides platform checks for the target OS, so that <c>OperatingSystem.IsLinux() ? 0x22 : 0x1002</c> is read as
    /// the branch the target runs instead of "may be either".
    /// </summary>
    internal static class OsConditions
    {
        public static bool? Evaluate(IOperation? condition, TargetOS target)
        {
            switch (condition)
            {
                case null:
                    return null;
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                    return !Evaluate(not.Operand, target);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd, OperatorMethod: null } and:
                    {
                        bool? l = Evaluate(and.LeftOperand, target);
                        bool? r = Evaluate(and.RightOperand, target);
                        return l == false || r == false ? false : l == true && r == true ? true : null;
                    }

                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr, OperatorMethod: null } or:
                    {
                        bool? l = Evaluate(or.LeftOperand, target);
                        bool? r = Evaluate(or.RightOperand, target);
                        return l == true || r == true ? true : l == false && r == false ? false : null;
                    }

                case IInvocationOperation invocation:
                    return EvaluateInvocation(invocation, target);
                default:
                    return condition.ConstantValue.HasValue && condition.ConstantValue.Value is bool b ? b : null;
            }
        }

        private static bool? EvaluateInvocation(IInvocationOperation invocation, TargetOS target)
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
                    default:
                        return null;
                }
            }

            if (container == "System.Runtime.InteropServices.RuntimeInformation" && method.Name == "IsOSPlatform"
                && invocation.Arguments.Length == 1
                && invocation.Arguments[0].Value is IPropertyReferenceOperation { Property: { IsStatic: true } platform }
                && platform.ContainingType?.ToDisplayString() == "System.Runtime.InteropServices.OSPlatform")
            {
                switch (platform.Name)
                {
                    case "Linux":
                        return target == TargetOS.Linux;
                    case "OSX":
                        return target == TargetOS.MacOS;
                    case "FreeBSD":
                        return target == TargetOS.FreeBSD;
                    case "Windows":
                        return false;
                }
            }

            return null;
        }
    }
}
