//! The WebGL2 pass: `gl.POINTS` with round sprites and alpha blending. Two draws of the same
//! buffers: every point, then only the marked ones (selected, highlighted, anchors) on top. Panning
//! and zooming change uniforms only: no buffer upload per frame.

use js_sys::{Float32Array, Uint8Array};
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, WebGl2RenderingContext as Gl, WebGlBuffer, WebGlProgram, WebGlShader,
    WebGlUniformLocation, WebGlVertexArrayObject,
};

use super::{point_style, Viewport};

const VERTEX: &str = r#"#version 300 es
layout(location = 0) in vec2 a_pos;
layout(location = 1) in vec4 a_color;
layout(location = 2) in float a_flags;
uniform vec2 u_center;
uniform vec2 u_scale;
uniform float u_size;
uniform float u_alpha;
uniform float u_dpr;
uniform float u_dim;
uniform float u_marked_only;
out vec4 v_color;
out float v_edge;
void main() {
    int f = int(a_flags + 0.5);
    bool hidden = (f & 1) != 0;
    bool marked = (f & 6) != 0;
    bool anchor = (f & 8) != 0;
    bool on_top = marked || anchor;
    if (hidden || (u_marked_only > 0.5 && !on_top) || (u_marked_only < 0.5 && on_top)) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        gl_PointSize = 0.0;
        return;
    }
    gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
    float size = u_size;
    float alpha = a_color.a * u_alpha;
    v_edge = 0.0;
    if (marked) {
        size = max(u_size * 1.8, 6.0 * u_dpr);
        alpha = 1.0;
        v_edge = 0.6;
    } else if (u_dim > 0.5) {
        alpha *= 0.2;
    }
    if (anchor) {
        size = max(size * 2.0, 9.0 * u_dpr);
        alpha = max(alpha, 0.9);
        v_edge = 0.45;
    }
    gl_PointSize = size;
    v_color = vec4(a_color.rgb, alpha);
}
"#;

const FRAGMENT: &str = r#"#version 300 es
precision mediump float;
in vec4 v_color;
in float v_edge;
out vec4 o_color;
void main() {
    vec2 c = gl_PointCoord * 2.0 - 1.0;
    float r2 = dot(c, c);
    if (r2 > 1.0) discard;
    // Marked points and anchors get a dark rim, so they read on any colour.
    vec3 rgb = (v_edge > 0.0 && r2 > v_edge) ? vec3(0.1) : v_color.rgb;
    o_color = vec4(rgb * v_color.a, v_color.a);
}
"#;

pub struct WebGlScatter {
    gl: Gl,
    canvas: HtmlCanvasElement,
    program: WebGlProgram,
    vao: WebGlVertexArrayObject,
    positions: WebGlBuffer,
    colors: WebGlBuffer,
    flags: WebGlBuffer,
    any_marked: bool,
    u_center: Option<WebGlUniformLocation>,
    u_scale: Option<WebGlUniformLocation>,
    u_size: Option<WebGlUniformLocation>,
    u_alpha: Option<WebGlUniformLocation>,
    u_dpr: Option<WebGlUniformLocation>,
    u_dim: Option<WebGlUniformLocation>,
    u_marked_only: Option<WebGlUniformLocation>,
    count: usize,
    /// Buffer uploads since creation (the benchmark checks none happen while panning).
    pub uploads: u32,
}

impl WebGlScatter {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, String> {
        let gl: Gl = canvas
            .get_context("webgl2")
            .map_err(|_| "WebGL2 context request failed")?
            .ok_or("WebGL2 is not available")?
            .dyn_into()
            .map_err(|_| "not a WebGL2 context")?;
        let vs = compile(&gl, Gl::VERTEX_SHADER, VERTEX)?;
        let fs = compile(&gl, Gl::FRAGMENT_SHADER, FRAGMENT)?;
        let program = gl.create_program().ok_or("createProgram failed")?;
        gl.attach_shader(&program, &vs);
        gl.attach_shader(&program, &fs);
        gl.link_program(&program);
        if !gl
            .get_program_parameter(&program, Gl::LINK_STATUS)
            .as_bool()
            .unwrap_or(false)
        {
            return Err(gl.get_program_info_log(&program).unwrap_or_default());
        }
        let vao = gl.create_vertex_array().ok_or("createVertexArray failed")?;
        let positions = gl.create_buffer().ok_or("createBuffer failed")?;
        let colors = gl.create_buffer().ok_or("createBuffer failed")?;
        let flags = gl.create_buffer().ok_or("createBuffer failed")?;
        gl.bind_vertex_array(Some(&vao));
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&positions));
        gl.enable_vertex_attrib_array(0);
        gl.vertex_attrib_pointer_with_i32(0, 2, Gl::FLOAT, false, 0, 0);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&colors));
        gl.enable_vertex_attrib_array(1);
        gl.vertex_attrib_pointer_with_i32(1, 4, Gl::UNSIGNED_BYTE, true, 0, 0);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&flags));
        gl.enable_vertex_attrib_array(2);
        gl.vertex_attrib_pointer_with_i32(2, 1, Gl::UNSIGNED_BYTE, false, 0, 0);
        gl.bind_vertex_array(None);
        Ok(Self {
            u_center: gl.get_uniform_location(&program, "u_center"),
            u_scale: gl.get_uniform_location(&program, "u_scale"),
            u_size: gl.get_uniform_location(&program, "u_size"),
            u_alpha: gl.get_uniform_location(&program, "u_alpha"),
            u_dpr: gl.get_uniform_location(&program, "u_dpr"),
            u_dim: gl.get_uniform_location(&program, "u_dim"),
            u_marked_only: gl.get_uniform_location(&program, "u_marked_only"),
            gl,
            canvas: canvas.clone(),
            program,
            vao,
            positions,
            colors,
            flags,
            any_marked: false,
            count: 0,
            uploads: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn set_points(&mut self, xs: &[f32], ys: &[f32], rgba: &[[u8; 4]]) {
        let n = xs.len().min(ys.len()).min(rgba.len());
        let xy: Vec<f32> = xs[..n]
            .iter()
            .zip(&ys[..n])
            .flat_map(|(&x, &y)| [x, y])
            .collect();
        let gl = &self.gl;
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.positions));
        gl.buffer_data_with_array_buffer_view(
            Gl::ARRAY_BUFFER,
            &Float32Array::from(xy.as_slice()),
            Gl::STATIC_DRAW,
        );
        let flat: Vec<u8> = rgba[..n].iter().flatten().copied().collect();
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.colors));
        gl.buffer_data_with_array_buffer_view(
            Gl::ARRAY_BUFFER,
            &Uint8Array::from(flat.as_slice()),
            Gl::STATIC_DRAW,
        );
        gl.bind_buffer(Gl::ARRAY_BUFFER, None);
        self.count = n;
        self.uploads += 2;
        self.set_flags(&vec![0; n]);
    }

    /// Per-point flags (see `super::flags`); an upload of N bytes, only when they change.
    pub fn set_flags(&mut self, flags: &[u8]) {
        let n = self.count;
        let mut data = flags[..flags.len().min(n)].to_vec();
        data.resize(n, 0);
        self.any_marked = data.iter().any(|f| f & super::flags::MARKED != 0);
        let gl = &self.gl;
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.flags));
        gl.buffer_data_with_array_buffer_view(
            Gl::ARRAY_BUFFER,
            &Uint8Array::from(data.as_slice()),
            Gl::STATIC_DRAW,
        );
        gl.bind_buffer(Gl::ARRAY_BUFFER, None);
        self.uploads += 1;
    }

    /// Block until the GPU has drawn everything issued (benchmarks only: it stalls the page).
    pub fn finish(&self) {
        self.gl.finish();
    }

    /// True when the browser has taken the GPU context away (`webglcontextlost`).
    pub fn is_lost(&self) -> bool {
        self.gl.is_context_lost()
    }

    pub fn draw(&mut self, vp: &Viewport) {
        let gl = &self.gl;
        let (w, h) = (self.canvas.width() as i32, self.canvas.height() as i32);
        gl.viewport(0, 0, w, h);
        gl.clear_color(0.0, 0.0, 0.0, 0.0);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        if self.count == 0 {
            return;
        }
        let (size_css, alpha) = point_style(self.count, vp.width_css, vp.height_css);
        let (kx, ky) = vp.clip_scale();
        gl.use_program(Some(&self.program));
        gl.uniform2f(
            self.u_center.as_ref(),
            vp.center_x as f32,
            vp.center_y as f32,
        );
        gl.uniform2f(self.u_scale.as_ref(), kx as f32, ky as f32);
        gl.uniform1f(self.u_size.as_ref(), size_css * vp.dpr as f32);
        gl.uniform1f(self.u_alpha.as_ref(), alpha);
        gl.uniform1f(self.u_dpr.as_ref(), vp.dpr as f32);
        gl.uniform1f(self.u_dim.as_ref(), if self.any_marked { 1.0 } else { 0.0 });
        gl.enable(Gl::BLEND);
        gl.blend_func(Gl::ONE, Gl::ONE_MINUS_SRC_ALPHA);
        gl.bind_vertex_array(Some(&self.vao));
        for marked_only in [0.0, 1.0] {
            gl.uniform1f(self.u_marked_only.as_ref(), marked_only);
            gl.draw_arrays(Gl::POINTS, 0, self.count as i32);
        }
        gl.bind_vertex_array(None);
    }
}

fn compile(gl: &Gl, kind: u32, source: &str) -> Result<WebGlShader, String> {
    let shader = gl.create_shader(kind).ok_or("createShader failed")?;
    gl.shader_source(&shader, source);
    gl.compile_shader(&shader);
    if gl
        .get_shader_parameter(&shader, Gl::COMPILE_STATUS)
        .as_bool()
        .unwrap_or(false)
    {
        Ok(shader)
    } else {
        Err(gl.get_shader_info_log(&shader).unwrap_or_default())
    }
}
