declare module "asl-validator" {
  interface ValidationResult {
    isValid: boolean;
    errors: unknown[];
  }
  function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): ValidationResult;
  export default validator;
}
