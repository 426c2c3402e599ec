"""WeChat Official Account channel: `router.mount_wechat` puts `/wechat` on the gateway;
`api` is the customer-service and template-message client the notices sender uses too (this
package imports neither, so the sender does not load the gateway's FastAPI)."""
