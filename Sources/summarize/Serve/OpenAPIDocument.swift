import Foundation
import SummarizerCore

/// The OpenAPI 3.1 document of `summarize serve`, served at `/openapi.json`.
///
/// `docs/openapi.json` is this text (`summarize serve --openapi > docs/openapi.json`); a test
/// keeps the two equal, another checks that every documented operation is routed.
enum OpenAPIDocument {
    /// Each documented path as segments (a `{parameter}` matches any one segment) with its
    /// methods, upper-case, in a fixed order.
    static let operations: [(segments: [Substring], methods: [String])] = {
        let order = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        guard let paths = (try? JSONValue.parse(Data(text.utf8)))?.objectValue?["paths"]?.objectValue else { return [] }
        return paths.map { path, item in
            let methods = (item.objectValue ?? [:]).keys.map { $0.uppercased() }.filter(order.contains)
            return (path.split(separator: "/"), methods.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! })
        }
    }()

    /// The methods `path` takes, or `nil` for a path the API does not have.
    static func methods(of path: String) -> [String]? {
        let segments = path.split(separator: "/")
        return operations.first { operation in
            operation.segments.count == segments.count
                && zip(operation.segments, segments).allSatisfy { template, segment in template.hasPrefix("{") || template == segment }
        }?.methods
    }

    static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "summarize serve",
            "version": "0.1.0",
            "description": "The news summarization pipeline as a service: start and watch runs of the configured pipeline, summarize single URLs, health, readiness and metrics. Every endpoint but those of serve.openEndpoints (health, readiness and metrics by default) and this document needs a bearer token when SUMMARIZE_API_TOKENS is set. Errors are JSON objects {\"error\": {\"status\", \"message\", \"pointer\"}}, the pointer naming the field of the request body at fault."
          },
          "security": [{"bearer": []}],
          "paths": {
            "/v1/runs": {
              "post": {
                "operationId": "startRun",
                "summary": "Start a run of the configured pipeline",
                "description": "The fields mean what the run command's flags mean. At most serve.maxConcurrentRuns runs at once; one more answers 429 with Retry-After.",
                "requestBody": {
                  "required": false,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunRequest"}}}
                },
                "responses": {
                  "202": {
                    "description": "Started; Location names the run.",
                    "headers": {"Location": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {"$ref": "#/components/responses/Unprocessable"},
                  "429": {
                    "description": "serve.maxConcurrentRuns runs are going.",
                    "headers": {"Retry-After": {"schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
                  }
                }
              },
              "get": {
                "operationId": "listRuns",
                "summary": "The runs going and the last serve.historySize finished, newest first",
                "responses": {
                  "200": {
                    "description": "The runs.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "required": ["runs"],
                          "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}}
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/v1/runs/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {
                "operationId": "getRun",
                "summary": "A run: state, live counts, and once it ended its report and exit code",
                "responses": {
                  "200": {"description": "The run.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"}
                }
              },
              "delete": {
                "operationId": "stopRun",
                "summary": "Stop a run gracefully, as SIGTERM stops the run command",
                "description": "No new items; those started finish within run.shutdownGraceSeconds; sinks are flushed. The run's exit code is then 143. Stopping a run that ended changes nothing.",
                "responses": {
                  "202": {"description": "Stopping (or already ended).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Run"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"}
                }
              }
            },
            "/v1/summarize": {
              "post": {
                "operationId": "summarize",
                "summary": "Take one URL through fetch, extract and summarize",
                "description": "With html, the page is not fetched. Written to the sinks (a failure to the dead-letter sink) only with write: true. Answers within serve.requestTimeoutSeconds.",
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SummarizeRequest"}}}
                },
                "responses": {
                  "200": {"description": "The summary record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SummaryRecord"}}}},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/TooLarge"},
                  "422": {
                    "description": "The item failed: the failure record, with its stage and error kind (a URL the address policy refuses fails at fetch as blocked).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FailureRecord"}}}
                  },
                  "503": {"$ref": "#/components/responses/Unavailable"},
                  "504": {"$ref": "#/components/responses/Timeout"}
                }
              }
            },
            "/healthz": {
              "get": {
                "operationId": "health",
                "summary": "The process is alive",
                "security": [{}, {"bearer": []}],
                "responses": {
                  "200": {
                    "description": "Alive.",
                    "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/readyz": {
              "get": {
                "operationId": "ready",
                "summary": "Ready for traffic: the sinks pass their start-up check, the summarizer's breaker is closed, its daily quota is not spent",
                "security": [{}, {"bearer": []}],
                "responses": {
                  "200": {"description": "Ready.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"description": "Not ready, with the reasons.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format)",
                "security": [{}, {"bearer": []}],
                "responses": {
                  "200": {"description": "The metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
                  "401": {"$ref": "#/components/responses/Unauthorized"}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [{}],
                "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
              }
            }
          },
          "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token of SUMMARIZE_API_TOKENS."}},
            "responses": {
              "BadRequest": {
                "description": "Malformed JSON, a wrong type or an unknown field; the pointer names it.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Unauthorized": {
                "description": "No accepted bearer token.",
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "NotFound": {"description": "No such run.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "TooLarge": {"description": "The body is larger than serve.maxBodyBytes.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Unprocessable": {
                "description": "Well-formed, but the configured pipeline cannot do it (an option its plugins cannot honour).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Unavailable": {
                "description": "The service is starting.",
                "headers": {"Retry-After": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              },
              "Timeout": {
                "description": "The item took longer than serve.requestTimeoutSeconds; nothing was written.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                  "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                      "status": {"type": "integer"},
                      "message": {"type": "string"},
                      "pointer": {"type": "string", "description": "A JSON pointer into the request body."}
                    }
                  }
                }
              },
              "RunRequest": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                  "limit": {"type": ["integer", "null"], "minimum": 1, "description": "Process at most this many items."},
                  "urlIds": {"type": ["array", "null"], "minItems": 1, "items": {"type": "string", "minLength": 1, "pattern": "[^ \\t\\r\\n]"}, "description": "Only these item ids."},
                  "publisher": {"type": ["string", "null"], "minLength": 1, "pattern": "[^ \\t\\r\\n]", "description": "Only items of this publisher."},
                  "dryRun": {"type": ["boolean", "null"], "description": "Write nothing."},
                  "model": {"type": ["string", "null"], "minLength": 1, "pattern": "[^ \\t\\r\\n]", "description": "Use this model."},
                  "resummarize": {"type": ["boolean", "null"], "description": "Read every item, summarized or not."}
                }
              },
              "Run": {
                "type": "object",
                "required": ["id", "state", "startedAt", "options", "counts", "finishedAt", "exitCode", "report"],
                "properties": {
                  "id": {"type": "string"},
                  "state": {"enum": ["running", "stopping", "finished", "failed"]},
                  "startedAt": {"type": "string", "format": "date-time"},
                  "finishedAt": {"type": ["string", "null"], "format": "date-time"},
                  "options": {
                    "type": "object",
                    "required": ["dryRun", "resummarize"],
                    "properties": {
                      "limit": {"type": "integer"},
                      "urlIds": {"type": "array", "items": {"type": "string"}},
                      "publisher": {"type": "string"},
                      "dryRun": {"type": "boolean"},
                      "model": {"type": "string"},
                      "resummarize": {"type": "boolean"}
                    }
                  },
                  "counts": {
                    "type": "object",
                    "required": ["started", "finished", "written", "failed", "tokens", "costUSD"],
                    "properties": {
                      "started": {"type": "integer"},
                      "finished": {"type": "integer"},
                      "written": {"type": "integer"},
                      "failed": {"type": "integer"},
                      "tokens": {"type": "integer"},
                      "costUSD": {"type": "number"}
                    }
                  },
                  "exitCode": {"type": ["integer", "null"], "description": "What summarize run would have exited with."},
                  "report": {"type": ["object", "null"], "description": "The JSON report (schema version 1) of docs/watching.md."},
                  "stopRequested": {"type": "string"}
                }
              },
              "SummarizeRequest": {
                "type": "object",
                "additionalProperties": false,
                "required": ["url"],
                "properties": {
                  "url": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@ ]", "description": "An absolute http or https URL."},
                  "html": {"type": ["string", "null"], "description": "The page, when the caller has it: not fetched then."},
                  "write": {"type": ["boolean", "null"], "description": "Write the record to the sinks (default false)."}
                }
              },
              "SummaryRecord": {
                "type": "object",
                "required": ["news_url_id", "summary_text"],
                "properties": {
                  "news_url_id": {"type": "string"},
                  "summary_text": {"type": "string"},
                  "key_points": {"type": "array", "items": {"type": "string"}},
                  "llm_model": {"type": "string"},
                  "prompt_version": {"type": "string"},
                  "fetch_method": {"type": ["string", "null"]},
                  "processing_time_seconds": {"type": "number"}
                }
              },
              "FailureRecord": {
                "type": "object",
                "required": ["news_url_id", "url", "stage", "error_kind", "message"],
                "properties": {
                  "news_url_id": {"type": "string"},
                  "url": {"type": "string"},
                  "stage": {"enum": ["source", "fetch", "extract", "summarize", "sink"]},
                  "error_kind": {"type": "string"},
                  "reason": {"type": ["string", "null"]},
                  "message": {"type": "string"},
                  "hint": {"type": ["string", "null"]}
                }
              },
              "Readiness": {
                "type": "object",
                "required": ["ready", "reasons"],
                "properties": {"ready": {"type": "boolean"}, "reasons": {"type": "array", "items": {"type": "string"}}}
              }
            }
          }
        }
        """#
}
