/**
 * The status API's function (CONTRACTS section 5) behind API Gateway. Until its routes land
 * (issue 5), every route answers 501 with the contract's error shape.
 */
import middy from "@middy/core";

export const handler = middy().handler(async () => ({
  statusCode: 501,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    error: { code: "NotImplemented", message: "the status API routes are not available in this version yet" },
  }),
}));
