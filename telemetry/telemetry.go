// Package telemetry sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables, and starts the spans of the server's layers with
// one tracer per layer taken from the global provider at each span (so a
// provider set after start, as tests do, takes effect).
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ServiceName is the service.name spans carry unless OTEL_SERVICE_NAME
// (or OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "itsm-graph"

// Setup installs the W3C trace-context propagator, always, so incoming
// traceparent headers are honoured (and their trace ids logged) even when
// nothing is exported; and, when OTLP export is asked for, a tracer
// provider exporting over OTLP/HTTP. Export is off unless
// OTEL_TRACES_EXPORTER=otlp or an OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is
// set, and OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turns it off.
// The exporter and sampler read the rest of the standard variables
// themselves (headers, timeout, compression, OTEL_TRACES_SAMPLER). The
// returned shutdown flushes what is left.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	noop := func(context.Context) error { return nil }
	if !exportWanted() {
		return noop, nil
	}
	if p := protocol(); p != "http/protobuf" {
		return noop, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported, got %q", p)
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return noop, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", ServiceName)), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return noop, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

func exportWanted() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	switch strings.ToLower(os.Getenv("OTEL_TRACES_EXPORTER")) {
	case "otlp":
		return true
	case "none":
		return false
	}
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

func protocol() string {
	for _, v := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := os.Getenv(v); p != "" {
			return p
		}
	}
	return "http/protobuf"
}

// Start starts a span of layer (the instrumentation scope) from the global
// provider.
func Start(ctx context.Context, layer, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	return otel.GetTracerProvider().Tracer("github.com/itsm-graph/itsm/"+layer).Start(ctx, name, opts...)
}

// Fail records err on span as its error status.
func Fail(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
