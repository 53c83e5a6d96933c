// The EKS pod identity webhook (github.com/aws/amazon-eks-pod-identity-webhook) for the real test
// cluster's eks profile: its own packages (the ServiceAccount cache, the pod Modifier and its
// /mutate handler) served on a loopback address only. Its main cannot be used as it is: it listens
// on every interface (main.go: addr := fmt.Sprintf(":%d", *port), and the metrics server on
// :9999), and in-cluster it asks for its serving certificate through a CSR; here the launcher
// hands it one signed by the cluster's CA.
//
// What is kept from its main.go: the flag names and defaults that decide the mutation
// (--annotation-prefix eks.amazonaws.com, --token-audience sts.amazonaws.com, --token-mount-path
// /var/run/secrets/eks.amazonaws.com/serviceaccount, --token-expiration 86400 through
// pkg.ValidateMinTokenExpiration, --aws-default-region, --sts-regional-endpoint), the
// ServiceAccount informer feeding cache.New, and the handler chain on /mutate.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/amazon-eks-pod-identity-webhook/pkg"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/cache"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/containercredentials"
	"github.com/aws/amazon-eks-pod-identity-webhook/pkg/handler"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback host:port to serve /mutate and /healthz on (port 0: any free one, printed as `listening ADDR`)")
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the identity that lists and watches ServiceAccounts")
	tlsCert := flag.String("tls-cert", "", "serving certificate (PEM)")
	tlsKey := flag.String("tls-key", "", "serving key (PEM)")
	annotationPrefix := flag.String("annotation-prefix", "eks.amazonaws.com", "The Service Account annotation to look for")
	audience := flag.String("token-audience", "sts.amazonaws.com", "The default audience for tokens. Can be overridden by annotation")
	mountPath := flag.String("token-mount-path", "/var/run/secrets/eks.amazonaws.com/serviceaccount", "The path to mount tokens")
	tokenExpiration := flag.Int64("token-expiration", pkg.DefaultTokenExpiration, "The token expiration")
	region := flag.String("aws-default-region", "", "If set, AWS_DEFAULT_REGION and AWS_REGION will be set to this value in mutated containers")
	regionalSTS := flag.Bool("sts-regional-endpoint", false, "Whether to inject the AWS_STS_REGIONAL_ENDPOINTS=regional env var in mutated pods")
	klog.InitFlags(flag.CommandLine)
	flag.Parse()

	host, _, err := net.SplitHostPort(*listen)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "error: --listen must be a loopback address (got %q)\n", *listen)
		os.Exit(2)
	}
	cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: serving certificate: %v\n", err)
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: kubeconfig: %v\n", err)
		os.Exit(2)
	}
	clientset, err := kubernetes.NewForConfig(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: client: %v\n", err)
		os.Exit(2)
	}

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	// Gone with the launcher that started it, even one killed before it could stop us: nothing of the
	// test cluster may outlive it.
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				cancel()
				return
			}
		}
	}()

	informerFactory := informers.NewSharedInformerFactory(clientset, 60*time.Second)
	saInformer := informerFactory.Core().V1().ServiceAccounts()
	saCache := cache.New(*audience, *annotationPrefix, *regionalSTS, pkg.ValidateMinTokenExpiration(*tokenExpiration),
		saInformer, nil, cache.ComposeRoleArn{}, clientset.CoreV1())
	stop := make(chan struct{})
	informerFactory.Start(stop)
	saCache.Start(stop)
	defer close(stop)

	// EKS Pod Identity associations live in the EKS API, not in the cluster: no config file, so
	// only the IRSA (role-arn annotation) half mutates here.
	containerCredentials := containercredentials.NewFileConfig("pods.eks.amazonaws.com",
		"/var/run/secrets/pods.eks.amazonaws.com/serviceaccount", "eks-pod-identity-token", "eks-pod-identity-token",
		"http://169.254.170.23/v1/credentials")

	mod := handler.NewModifier(rand.New(rand.NewSource(time.Now().UnixNano())),
		handler.WithAnnotationDomain(*annotationPrefix),
		handler.WithMountPath(*mountPath),
		handler.WithServiceAccountCache(saCache),
		handler.WithContainerCredentialsConfig(containerCredentials),
		handler.WithRegion(*region),
	)
	mux := http.NewServeMux()
	mux.Handle("/mutate", handler.Apply(http.HandlerFunc(mod.Handle), handler.InstrumentRoute(), handler.Logging()))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: listen: %v\n", err)
		os.Exit(1)
	}
	server := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = server.Shutdown(shutdown)
	}()
	fmt.Printf("listening %s\n", ln.Addr())
	if err := server.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(os.Stderr, "error: serve: %v\n", err)
		os.Exit(1)
	}
}
