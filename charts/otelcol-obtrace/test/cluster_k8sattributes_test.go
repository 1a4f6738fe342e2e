package test

// The setup of the k8s_attributes step: a Deployment whose pods' addresses the spans carry, and a
// kubeconfig that authenticates as agent-collect's ServiceAccount, so that only the chart's RBAC
// decides what the collector may read.

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

const (
	k8sAttributesNamespace = "k8sattr-demo"
	checkoutDeployment     = "checkout"
)

// otelcolBin is the collector binary; without it the step skips, with CI=true fails.
func otelcolBin(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("OTELCOL_BIN")
	if info, err := os.Stat(bin); bin == "" || err != nil || info.Mode()&0o111 == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("OTELCOL_BIN %q is not executable (make build); CI=true requires this test", bin)
		}
		t.Skipf("SKIP: no collector binary at OTELCOL_BIN %q (make build, or set OTELCOL_BIN)", bin)
	}
	return bin
}

func checkout() *appsv1.Deployment {
	labels := map[string]string{"app.kubernetes.io/name": checkoutDeployment, "app.kubernetes.io/version": "1.4.2", "example.com/team": "payments"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: checkoutDeployment},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": checkoutDeployment}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.invalid/checkout:1.4.2"}}},
			},
		},
	}
}

// serviceAccountKubeconfig writes a kubeconfig for the admin's cluster with a one-hour token of
// the ServiceAccount ns/name.
func (c *cluster) serviceAccountKubeconfig(t *testing.T, ns, name string) string {
	t.Helper()
	tr, err := c.client.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	require.NoError(t, err, "token of ServiceAccount %s/%s", ns, name)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["test"] = &clientcmdapi.Cluster{Server: c.config.Host, CertificateAuthority: c.config.CAFile}
	kc.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "sa"}
	kc.CurrentContext = "test"
	file := filepath.Join(t.TempDir(), "sa.kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, file)) // mode 0600
	return file
}

func (c *cluster) testK8sAttributes(t *testing.T) {
	bin := otelcolBin(t)
	ctx := context.Background()
	_, err := c.client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: k8sAttributesNamespace}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.client.CoreV1().Namespaces().Delete(context.Background(), k8sAttributesNamespace, metav1.DeleteOptions{})
	})
	_, err = c.client.AppsV1().Deployments(k8sAttributesNamespace).Create(ctx, checkout(), metav1.CreateOptions{})
	require.NoError(t, err)
	waitEqual(t, 2, "pods of "+k8sAttributesNamespace+"/"+checkoutDeployment+" with an IP", time.Minute, func() (int, error) {
		pods, err := c.client.CoreV1().Pods(k8sAttributesNamespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + checkoutDeployment})
		if err != nil {
			return 0, err
		}
		n := 0
		for _, p := range pods.Items {
			if p.Status.PodIP != "" {
				n++
			}
		}
		return n, nil
	})
	pods, err := c.client.CoreV1().Pods(k8sAttributesNamespace).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, p := range pods.Items {
		t.Logf("pod %s: %s, IP %s, node %s", p.Name, p.Status.Phase, p.Status.PodIP, p.Spec.NodeName)
	}

	k8sAttributesAgainstAPIServer(t, k8sTestEnv{
		kubeconfig: c.serviceAccountKubeconfig(t, agentNamespace, agentRelease), bin: bin,
		release: agentRelease, releaseNS: agentNamespace, workloadNS: k8sAttributesNamespace, deploy: checkoutDeployment,
		node: fakeNode, ports: c.ports,
	}, c.client)
	_, err = c.client.RbacV1().ClusterRoleBindings().Get(ctx, agentNamespace+"-"+agentRelease, metav1.GetOptions{})
	require.NoError(t, err, "the test did not restore ClusterRoleBinding %s-%s", agentNamespace, agentRelease)
}
